import type { LinkReason } from '../link/link-reason.js';

/**
 * Link-down reasons that mean the node left on purpose (unchecked, removed, disabled, re-keyed,
 * unlicensed, over the license): its entries go at once. Any other loss (connection lost, timeout,
 * shutdown for a restart, a protocol error) waits for the grace: a link back in time keeps them.
 */
const LEFT_ON_PURPOSE: ReadonlySet<LinkReason> = new Set<LinkReason>([
  'closed',
  'disabled-remote',
  'mesh-disabled-remote',
  'unlicensed-local',
  'unlicensed-remote',
  'connection-limit-local',
  'connection-limit-remote',
  'not-known-remote',
]);

/** Whether a node whose link went down for `reason` leaves the state at once (else after the grace). */
export function leavesAtOnce(reason: LinkReason): boolean {
  return LEFT_ON_PURPOSE.has(reason);
}
