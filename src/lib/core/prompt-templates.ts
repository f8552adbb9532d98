/**
 * Prompt templates for zero-shot classification with CLIP. A label ("tench") becomes a sentence
 * ("a photo of a tench.") before the text tower embeds it; an ensemble embeds one label with many
 * templates and averages the unit vectors (see `templateEnsemble` in quality.ts); the CLIP paper
 * (A. Radford et al., ICML 2021, §3.1.4) reports +3.5 points of ImageNet top-1 for the 80-template
 * ensemble over the single default prompt.
 *
 * Source: openai/CLIP, commit d05afc436d78f1c48dc0dbf8e5980a9d471f35f6,
 * notebooks/Prompt_Engineering_for_ImageNet.ipynb (MIT License), the list `imagenet_templates`
 * and, below it, the 7-template subset the notebook's authors found by sequential forward
 * selection on ImageNet's training set. Copied verbatim, typos ("a origami") included, since the
 * published accuracies were measured with exactly these strings.
 *
 * Pure data.
 */

/** The single template the search quality check compares the ensembles against. */
export const SINGLE_TEMPLATE = 'a photo of a {}.';

/** OpenAI CLIP's 80 ImageNet prompt templates, in the notebook's order. */
export const CLIP_IMAGENET_TEMPLATES: readonly string[] = [
  'a bad photo of a {}.', 'a photo of many {}.', 'a sculpture of a {}.', 'a photo of the hard to see {}.',
  'a low resolution photo of the {}.', 'a rendering of a {}.', 'graffiti of a {}.', 'a bad photo of the {}.',
  'a cropped photo of the {}.', 'a tattoo of a {}.', 'the embroidered {}.', 'a photo of a hard to see {}.',
  'a bright photo of a {}.', 'a photo of a clean {}.', 'a photo of a dirty {}.', 'a dark photo of the {}.',
  'a drawing of a {}.', 'a photo of my {}.', 'the plastic {}.', 'a photo of the cool {}.',
  'a close-up photo of a {}.', 'a black and white photo of the {}.', 'a painting of the {}.', 'a painting of a {}.',
  'a pixelated photo of the {}.', 'a sculpture of the {}.', 'a bright photo of the {}.', 'a cropped photo of a {}.',
  'a plastic {}.', 'a photo of the dirty {}.', 'a jpeg corrupted photo of a {}.', 'a blurry photo of the {}.',
  'a photo of the {}.', 'a good photo of the {}.', 'a rendering of the {}.', 'a {} in a video game.',
  'a photo of one {}.', 'a doodle of a {}.', 'a close-up photo of the {}.', 'a photo of a {}.',
  'the origami {}.', 'the {} in a video game.', 'a sketch of a {}.', 'a doodle of the {}.',
  'a origami {}.', 'a low resolution photo of a {}.', 'the toy {}.', 'a rendition of the {}.',
  'a photo of the clean {}.', 'a photo of a large {}.', 'a rendition of a {}.', 'a photo of a nice {}.',
  'a photo of a weird {}.', 'a blurry photo of a {}.', 'a cartoon {}.', 'art of a {}.',
  'a sketch of the {}.', 'a embroidered {}.', 'a pixelated photo of a {}.', 'itap of the {}.',
  'a jpeg corrupted photo of the {}.', 'a good photo of a {}.', 'a plushie {}.', 'a photo of the nice {}.',
  'a photo of the small {}.', 'a photo of the weird {}.', 'the cartoon {}.', 'art of the {}.',
  'a drawing of the {}.', 'a photo of the large {}.', 'a black and white photo of a {}.', 'the plushie {}.',
  'a dark photo of a {}.', 'itap of a {}.', 'graffiti of the {}.', 'a toy {}.',
  'itap of my {}.', 'a photo of a cool {}.', 'a photo of a small {}.', 'a tattoo of the {}.',
];

/** The notebook's 7-template subset: nearly the 80's accuracy at a tenth of the text encodes. */
export const CLIP_IMAGENET_TEMPLATES_7: readonly string[] = [
  'itap of a {}.', 'a bad photo of the {}.', 'a origami {}.', 'a photo of the large {}.',
  'a {} in a video game.', 'art of the {}.', 'a photo of the small {}.',
];

/** The sentence for one label: every "{}" of the template replaced by the label. */
export function fillTemplate(template: string, label: string): string {
  return template.split('{}').join(label);
}
