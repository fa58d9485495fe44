import type { LinkStatus } from '../../mesh/index.js';

export type LinkState = LinkStatus['state'];

/** Every state a node's link can be in, so each has a series, 0 included. */
export const LINK_STATES: readonly LinkState[] = ['connected', 'connecting', 'error', 'disabled', 'idle'];

/** How many nodes of the node list are in each link state. */
export function countLinkStates(
  nodes: ReadonlyArray<{ status: { state: LinkState } }>,
): Record<LinkState, number> {
  const counts = Object.fromEntries(LINK_STATES.map((state) => [state, 0])) as Record<LinkState, number>;
  for (const { status } of nodes) counts[status.state]++;
  return counts;
}
