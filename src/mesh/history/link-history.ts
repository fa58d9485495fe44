import type { LinkStatusEvent } from '../events/mesh-events.js';
import type { LinkReason } from '../link/link-reason.js';
import type { LinkStatus } from '../link/link-status.js';

/** Status changes kept per node: enough to see a day of flapping, small enough to ignore. */
export const LINK_HISTORY_LIMIT = 50;
const MAX_MESSAGE_CHARS = 1024;

/** One change of a node's link status, as `GET /api/mesh/nodes/:id/history` shows it. */
export interface LinkHistoryEntry {
  /** When the state (or reason) changed, ISO time. */
  at: string;
  state: LinkStatus['state'];
  reason?: LinkReason;
  message?: string;
}

/**
 * What a status event adds to the history: a change of state or reason. A redial that fails for
 * the same reason again, or new round-trip figures, are no news ("when did it drop, and why?").
 */
export function historyEntry(change: LinkStatusEvent): LinkHistoryEntry | undefined {
  if (!change.transition) return undefined;
  const { since, state, reason, message } = change.status;
  return {
    at: since,
    state,
    ...(reason !== undefined && { reason }),
    ...(message !== undefined && { message: message.slice(0, MAX_MESSAGE_CHARS) }),
  };
}
