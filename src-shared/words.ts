/** "1 image", "2 images", "12,000 images": a count with its noun in the right number (regular plurals, or the plural given). */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? noun : plural}`;
}
