/**
 * Milliseconds since the epoch, with sub-millisecond resolution: comparable between the processes
 * of one machine, so that one process's send and another's receipt fall on one time line.
 */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}
