/**
 * Names for clusters without a VLM: zero-shot classification in the style of CLIP (A. Radford et
 * al., "Learning Transferable Visual Models From Natural Language Supervision", ICML 2021): each
 * subject has a prompt ("a photo of a sunset"); the model embeds the prompts once, and a cluster
 * takes the subject whose prompt vector has the highest cosine with the cluster's centroid.
 * Image and text vectors sit in different cones, but the argmax over prompts is what CLIP's
 * zero-shot accuracy was measured on, so only the ranking is used, never a threshold.
 *
 * Pure and synchronous.
 */
import { dot } from './vector';

export interface Subject {
  /** Plural, Title Case: what the cluster card shows. */
  name: string;
  /** What the text model embeds. */
  prompt: string;
}

/** Common photo subjects. Order breaks ties (first wins), so broader subjects come first. */
export const SUBJECTS: readonly Subject[] = [
  { name: 'Sunsets', prompt: 'a photo of a sunset' },
  { name: 'Oceans', prompt: 'a photo of the ocean' },
  { name: 'Skies', prompt: 'a photo of the sky' },
  { name: 'Forests', prompt: 'a photo of a forest' },
  { name: 'Snowy Landscapes', prompt: 'a photo of a snowy landscape' },
  { name: 'Night Scenes', prompt: 'a photo of the city at night' },
  { name: 'Bananas', prompt: 'a photo of a banana' },
  { name: 'Flowers', prompt: 'a photo of a flower' },
  { name: 'Lavender Fields', prompt: 'a photo of lavender' },
  { name: 'Roses', prompt: 'a photo of a rose' },
  { name: 'Strawberries', prompt: 'a photo of a strawberry' },
  { name: 'Lemons', prompt: 'a photo of a lemon' },
  { name: 'Sunflowers', prompt: 'a photo of a sunflower' },
  { name: 'Pumpkins', prompt: 'a photo of a pumpkin' },
  { name: 'Meadows', prompt: 'a photo of a meadow' },
  { name: 'Lakes', prompt: 'a photo of a lake' },
  { name: 'Lagoons', prompt: 'a photo of a lagoon' },
  { name: 'Foggy Landscapes', prompt: 'a photo of a foggy landscape' },
  { name: 'Coffee', prompt: 'a photo of coffee' },
  { name: 'Chocolate', prompt: 'a photo of chocolate' },
  { name: 'Fireworks', prompt: 'a photo of fireworks' },
  { name: 'Flamingos', prompt: 'a photo of a flamingo' },
  { name: 'Wooden Interiors', prompt: 'a photo of a wooden room' },
  { name: 'Stone Buildings', prompt: 'a photo of a stone building' },
  { name: 'Jungles', prompt: 'a photo of a jungle' },
  { name: 'Autumn Leaves', prompt: 'a photo of autumn leaves' },
  { name: 'Beaches', prompt: 'a photo of a beach' },
  { name: 'Mountains', prompt: 'a photo of mountains' },
  { name: 'Deserts', prompt: 'a photo of a desert' },
  { name: 'Rivers', prompt: 'a photo of a river' },
  { name: 'Waterfalls', prompt: 'a photo of a waterfall' },
  { name: 'Islands', prompt: 'a photo of an island' },
  { name: 'Fields', prompt: 'a photo of a field' },
  { name: 'Gardens', prompt: 'a photo of a garden' },
  { name: 'Parks', prompt: 'a photo of a park' },
  { name: 'Trees', prompt: 'a photo of a tree' },
  { name: 'Clouds', prompt: 'a photo of clouds' },
  { name: 'Rain', prompt: 'a photo of rain' },
  { name: 'Cities', prompt: 'a photo of a city skyline' },
  { name: 'Streets', prompt: 'a photo of a street' },
  { name: 'Buildings', prompt: 'a photo of a building' },
  { name: 'Houses', prompt: 'a photo of a house' },
  { name: 'Churches', prompt: 'a photo of a church' },
  { name: 'Bridges', prompt: 'a photo of a bridge' },
  { name: 'Castles', prompt: 'a photo of a castle' },
  { name: 'Monuments', prompt: 'a photo of a monument' },
  { name: 'Museums', prompt: 'a photo of a museum' },
  { name: 'Interiors', prompt: 'a photo of a room interior' },
  { name: 'Kitchens', prompt: 'a photo of a kitchen' },
  { name: 'Offices', prompt: 'a photo of an office' },
  { name: 'Portraits', prompt: 'a portrait photo of a person' },
  { name: 'Selfies', prompt: 'a selfie' },
  { name: 'Group Photos', prompt: 'a group photo of people' },
  { name: 'Babies', prompt: 'a photo of a baby' },
  { name: 'Children', prompt: 'a photo of children playing' },
  { name: 'Weddings', prompt: 'a photo of a wedding' },
  { name: 'Birthdays', prompt: 'a photo of a birthday party' },
  { name: 'Parties', prompt: 'a photo of a party' },
  { name: 'Concerts', prompt: 'a photo of a concert' },
  { name: 'Sports', prompt: 'a photo of people playing sports' },
  { name: 'Football', prompt: 'a photo of a football match' },
  { name: 'Running', prompt: 'a photo of people running' },
  { name: 'Cycling', prompt: 'a photo of a bicycle' },
  { name: 'Hiking', prompt: 'a photo of people hiking' },
  { name: 'Skiing', prompt: 'a photo of skiing' },
  { name: 'Swimming', prompt: 'a photo of a swimming pool' },
  { name: 'Camping', prompt: 'a photo of a tent while camping' },
  { name: 'Dogs', prompt: 'a photo of a dog' },
  { name: 'Cats', prompt: 'a photo of a cat' },
  { name: 'Birds', prompt: 'a photo of a bird' },
  { name: 'Horses', prompt: 'a photo of a horse' },
  { name: 'Cows', prompt: 'a photo of a cow' },
  { name: 'Fish', prompt: 'a photo of a fish' },
  { name: 'Insects', prompt: 'a photo of an insect' },
  { name: 'Butterflies', prompt: 'a photo of a butterfly' },
  { name: 'Wild Animals', prompt: 'a photo of a wild animal' },
  { name: 'Zoo Animals', prompt: 'a photo of animals at the zoo' },
  { name: 'Cars', prompt: 'a photo of a car' },
  { name: 'Bicycles', prompt: 'a photo of a bike' },
  { name: 'Motorcycles', prompt: 'a photo of a motorcycle' },
  { name: 'Trains', prompt: 'a photo of a train' },
  { name: 'Airplanes', prompt: 'a photo of an airplane' },
  { name: 'Boats', prompt: 'a photo of a boat' },
  { name: 'Buses', prompt: 'a photo of a bus' },
  { name: 'Trucks', prompt: 'a photo of a truck' },
  { name: 'Food', prompt: 'a photo of food' },
  { name: 'Meals', prompt: 'a photo of a meal on a plate' },
  { name: 'Cakes', prompt: 'a photo of a cake' },
  { name: 'Desserts', prompt: 'a photo of a dessert' },
  { name: 'Pizza', prompt: 'a photo of a pizza' },
  { name: 'Fruit', prompt: 'a photo of fruit' },
  { name: 'Apples', prompt: 'a photo of an apple' },
  { name: 'Vegetables', prompt: 'a photo of vegetables' },
  { name: 'Bread', prompt: 'a photo of bread' },
  { name: 'Drinks', prompt: 'a photo of a drink' },
  { name: 'Wine', prompt: 'a photo of a glass of wine' },
  { name: 'Restaurants', prompt: 'a photo of a restaurant' },
  { name: 'Markets', prompt: 'a photo of a market' },
  { name: 'Shops', prompt: 'a photo of a shop' },
  { name: 'Books', prompt: 'a photo of books' },
  { name: 'Documents', prompt: 'a photo of a document' },
  { name: 'Screenshots', prompt: 'a screenshot' },
  { name: 'Receipts', prompt: 'a photo of a receipt' },
  { name: 'Whiteboards', prompt: 'a photo of a whiteboard' },
  { name: 'Computers', prompt: 'a photo of a computer' },
  { name: 'Phones', prompt: 'a photo of a phone' },
  { name: 'Toys', prompt: 'a photo of toys' },
  { name: 'Clothes', prompt: 'a photo of clothes' },
  { name: 'Shoes', prompt: 'a photo of shoes' },
  { name: 'Art', prompt: 'a photo of a painting' },
  { name: 'Drawings', prompt: 'a drawing' },
  { name: 'Sculptures', prompt: 'a photo of a sculpture' },
  { name: 'Christmas', prompt: 'a photo of a christmas tree' },
  { name: 'Halloween', prompt: 'a photo of halloween decorations' },
  { name: 'Candles', prompt: 'a photo of candles' },
  { name: 'Christmas Lights', prompt: 'a photo of string lights' },
  { name: 'Aerial Views', prompt: 'an aerial photo' },
  { name: 'Underwater', prompt: 'an underwater photo' },
  { name: 'Stars', prompt: 'a photo of the starry night sky' },
  { name: 'Moon', prompt: 'a photo of the moon' },
  { name: 'Macro Shots', prompt: 'a macro photo' },
  { name: 'Black and White', prompt: 'a black and white photo' },
];

/**
 * The subject whose prompt vector is closest to the centroid (first in `vocabulary` on a tie).
 * @param centroid   L2-normalised mean of the cluster's image vectors
 * @param vocabulary subjects with their L2-normalised prompt vectors, same length as `centroid`
 * @returns the subject's name and its cosine, or null for an empty vocabulary
 */
export function pickSubject(centroid: Float32Array, vocabulary: ReadonlyArray<{ name: string; vector: Float32Array }>): { name: string; similarity: number } | null {
  let best: { name: string; similarity: number } | null = null;
  for (const s of vocabulary) {
    if (s.vector.length !== centroid.length) continue;
    const sim = dot(centroid, s.vector);
    if (!best || sim > best.similarity) best = { name: s.name, similarity: sim };
  }
  return best;
}

/** Changes whenever the subjects change, so cached prompt vectors are recomputed. */
export function vocabularyKey(subjects: readonly Subject[] = SUBJECTS): string {
  let h = 0x811c9dc5;
  for (const s of subjects) {
    for (const ch of `${s.name}\u0000${s.prompt}\u0001`) {
      h ^= ch.charCodeAt(0);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return `${subjects.length}:${h.toString(16).padStart(8, '0')}`;
}
