/** Milliseconds rounded to a tenth: what status and topology show of a round trip. */
export function tenths(ms: number): number {
  return Math.round(ms * 10) / 10;
}
