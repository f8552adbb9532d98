/**
 * A count with its noun: "1 file", "3 files". `many` is for plurals that are not the noun + "s"
 * ("refused copies", "photos and videos").
 */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
