import { z } from 'zod';

/** A node someone told us about: discovery, a peer's member list, an inbound link. */
export interface SeenNode {
  nodeId: string;
  host: string;
  port: number;
}

/** Entries of one member list read at most: a mesh is far smaller; a bigger list is cut. */
export const MEMBER_LIST_LIMIT = 1024;

const memberSchema = z.strictObject({
  nodeId: z.uuid(),
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535),
});

/**
 * Reads a peer's member list item by item: a malformed entry is dropped, the others count. A peer
 * that proved the mesh password is still not trusted to send well-formed lists.
 */
export function parseMemberList(value: unknown): { members: SeenNode[]; dropped: number } {
  if (!Array.isArray(value)) return { members: [], dropped: 1 };
  const members: SeenNode[] = [];
  let dropped = Math.max(0, value.length - MEMBER_LIST_LIMIT);
  for (const item of value.slice(0, MEMBER_LIST_LIMIT) as unknown[]) {
    const parsed = memberSchema.safeParse(item);
    if (parsed.success) members.push(parsed.data);
    else dropped++;
  }
  return { members, dropped };
}
