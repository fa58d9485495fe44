import { keyProblem, mapNameProblem, STATE_LIMITS, type StoredValue, vetValue } from './state-limits.js';
import type { SnapshotPart, StateDelta, StateOp } from './owner-sync.js';
import type { OwnedEntry } from './state-store.js';

/** Mesh topics of the replicated state (events: nothing waits for an answer). */
export const STATE_TOPICS = {
  /** `{nodeId, instanceId, version, part, final, entries: [map, key, value][]}` */
  snapshot: 'mesh.state.snapshot',
  /** `{nodeId, instanceId, version, ops: ([map, key, value] | [map, key])[]}` */
  delta: 'mesh.state.delta',
  /** `{}`: the sender missed something of this node's and asks for a snapshot. */
  resync: 'mesh.state.resync',
} as const;

/** Who sent a message and over which link: a node may only send its own entries. */
export interface WireContext {
  self: string;
  peer: string;
  /** The peer's instance as its link's handshake said; undefined once the link is gone. */
  peerInstanceId: string | undefined;
}

/** A message refused as a whole (its items are not looked at). */
export class StateWireError extends Error {}

/** A wire message read, with the items dropped and why. */
export interface Read<T> {
  message: T;
  problems: string[];
}

export function snapshotPayload(
  nodeId: string,
  part: Omit<SnapshotPart, 'entries'> & { entries: readonly OwnedEntry[] },
): unknown {
  return {
    nodeId,
    instanceId: part.instanceId,
    version: part.version,
    part: part.part,
    final: part.final,
    entries: part.entries.map(([map, key, stored]) => [map, key, stored.value]),
  };
}

export function deltaPayload(nodeId: string, delta: StateDelta): unknown {
  return {
    nodeId,
    instanceId: delta.instanceId,
    version: delta.version,
    ops: delta.ops.map((op) => (op === null ? null : op[2] ? [op[0], op[1], op[2].value] : [op[0], op[1]])),
  };
}

/** @throws StateWireError when the message is malformed or not the sender's own. */
export function readSnapshotPart(payload: unknown, context: WireContext): Read<SnapshotPart> {
  const body = envelope(payload, context);
  const version = counter(body.version, 'version', 0);
  const part = counter(body.part, 'part', 0);
  if (typeof body.final !== 'boolean') throw new StateWireError('final must be true or false');
  const problems: string[] = [];
  const entries: OwnedEntry[] = [];
  for (const [i, item] of items(body.entries, 'entries').entries()) {
    const read = readItem(item, true);
    if ('problem' in read) problems.push(`entries[${i}]: ${read.problem}`);
    else entries.push([read.map, read.key, read.stored as StoredValue]);
  }
  return { message: { instanceId: body.instanceId, version, part, final: body.final, entries }, problems };
}

/** @throws StateWireError when the message is malformed or not the sender's own. */
export function readDelta(payload: unknown, context: WireContext): Read<StateDelta> {
  const body = envelope(payload, context);
  const version = counter(body.version, 'version', 1);
  const raw = items(body.ops, 'ops');
  if (raw.length === 0) throw new StateWireError('ops must not be empty');
  if (raw.length - 1 > Number.MAX_SAFE_INTEGER - version) throw new StateWireError('version out of range');
  const problems: string[] = [];
  // A malformed item keeps its version's place (null): the versions after it stay right.
  const ops: StateOp[] = raw.map((item, i) => {
    const read = readItem(item, false);
    if ('problem' in read) {
      problems.push(`ops[${i}]: ${read.problem}`);
      return null;
    }
    return read.stored ? [read.map, read.key, read.stored] : [read.map, read.key];
  });
  return { message: { instanceId: body.instanceId, version, ops }, problems };
}

function envelope(payload: unknown, context: WireContext): Record<string, unknown> & { instanceId: string } {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new StateWireError('not an object');
  const body = payload as Record<string, unknown>;
  const owner = body.nodeId;
  if (typeof owner !== 'string') throw new StateWireError('nodeId must be a string');
  if (owner === context.self) throw new StateWireError("claims this node's own entries");
  if (owner !== context.peer)
    throw new StateWireError(`claims entries of node ${clip(owner)}: a node sends only its own`);
  if (typeof body.instanceId !== 'string') throw new StateWireError('instanceId must be a string');
  if (body.instanceId !== context.peerInstanceId)
    throw new StateWireError(`of instance ${clip(body.instanceId)}, not the linked one`);
  return body as Record<string, unknown> & { instanceId: string };
}

function counter(value: unknown, name: string, min: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < min)
    throw new StateWireError(`${name} must be an integer of at least ${min}`);
  return value as number;
}

function items(value: unknown, name: string): unknown[] {
  if (!Array.isArray(value)) throw new StateWireError(`${name} must be an array`);
  if (value.length > STATE_LIMITS.maxEntriesPerNode)
    throw new StateWireError(`${name} must have at most ${STATE_LIMITS.maxEntriesPerNode} items`);
  return value as unknown[];
}

type ItemRead = { map: string; key: string; stored?: StoredValue } | { problem: string };

function readItem(item: unknown, valueRequired: boolean): ItemRead {
  if (!Array.isArray(item) || item.length < (valueRequired ? 3 : 2) || item.length > 3)
    return {
      problem: valueRequired ? 'must be [map, key, value]' : 'must be [map, key, value] or [map, key]',
    };
  const [map, key] = item as unknown[];
  const problem = mapNameProblem(map) ?? keyProblem(key);
  if (problem) return { problem };
  if (item.length === 2) return { map: map as string, key: key as string };
  const vetted = vetValue(item[2]);
  if ('problem' in vetted) return vetted;
  return { map: map as string, key: key as string, stored: vetted.stored };
}

/** A peer's text in a log line, bounded. */
function clip(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** Splits items into parts of at most `budget` bytes (one item at least per part); one part at least. */
export function inParts<T>(items: readonly T[], sizeOf: (item: T) => number, budget: number): T[][] {
  const parts: T[][] = [[]];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    let last = parts[parts.length - 1]!;
    if (bytes + size > budget && last.length > 0) {
      parts.push((last = []));
      bytes = 0;
    }
    last.push(item);
    bytes += size;
  }
  return parts;
}

/** About what an entry or change adds to a message (names at 3 bytes a character at most). */
export function wireSize(op: NonNullable<StateOp>): number {
  return 16 + 3 * (op[0].length + op[1].length) + (op[2]?.packed.length ?? 0);
}
