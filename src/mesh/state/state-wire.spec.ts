import { describe, expect, it } from '@jest/globals';
import { leavesAtOnce } from './state-departure.js';
import { STATE_LIMITS, vetValue } from './state-limits.js';
import {
  deltaPayload,
  inParts,
  readDelta,
  readSnapshotPart,
  snapshotPayload,
  StateWireError,
} from './state-wire.js';

const SELF = 'self-node';
const PEER = 'peer-node';
const THIRD = 'third-node';
const context = { self: SELF, peer: PEER, peerInstanceId: 'i1' };
const base = { nodeId: PEER, instanceId: 'i1', version: 4 };
const stored = (value: unknown) => {
  const vetted = vetValue(value);
  if (!('stored' in vetted)) throw new Error(vetted.problem);
  return vetted.stored;
};

describe('reading state messages of a peer', () => {
  it('reads what this node writes', () => {
    const entries = [['presence', 'alice', stored({ s: 'busy' })] as const];
    const part = readSnapshotPart(
      snapshotPayload(PEER, { instanceId: 'i1', version: 4, part: 0, final: true, entries }),
      context,
    );
    expect(part.problems).toEqual([]);
    expect(part.message).toMatchObject({ instanceId: 'i1', version: 4, part: 0, final: true });
    expect(part.message.entries.map(([m, k, s]) => [m, k, s.value])).toEqual([
      ['presence', 'alice', { s: 'busy' }],
    ]);
    const delta = readDelta(
      deltaPayload(PEER, {
        instanceId: 'i1',
        version: 5,
        ops: [
          ['presence', 'alice'],
          ['presence', 'bob', stored(1)],
        ],
      }),
      context,
    );
    expect(delta.message.ops.map((op) => op && [op[0], op[1], op[2]?.value])).toEqual([
      ['presence', 'alice', undefined],
      ['presence', 'bob', 1],
    ]);
  });

  it('refuses a message claiming another owner’s entries, this node’s, or another instance’s', () => {
    const claim =
      (nodeId: unknown, instanceId: unknown = 'i1') =>
      () =>
        readDelta({ ...base, nodeId, instanceId, ops: [['m', 'k', 1]] }, context);
    expect(claim(THIRD)).toThrow(`claims entries of node "${THIRD}": a node sends only its own`);
    expect(claim(SELF)).toThrow("claims this node's own entries");
    expect(claim(7)).toThrow('nodeId must be a string');
    expect(claim(PEER, 'i0')).toThrow('of instance "i0", not the linked one');
    expect(() => readDelta({ ...base, ops: [] }, { ...context, peerInstanceId: undefined })).toThrow(
      StateWireError,
    );
  });

  it('refuses a malformed envelope as a whole', () => {
    const bad: unknown[] = [
      null,
      'x',
      [base],
      { ...base, version: -1, part: 0, final: true, entries: [] },
      { ...base, version: 1.5, part: 0, final: true, entries: [] },
      { ...base, part: 'first', final: true, entries: [] },
      { ...base, part: 0, final: 'yes', entries: [] },
      { ...base, part: 0, final: true, entries: {} },
      { ...base, part: 0, final: true, entries: new Array(STATE_LIMITS.maxEntriesPerNode + 1).fill(0) },
    ];
    for (const payload of bad) expect(() => readSnapshotPart(payload, context)).toThrow(StateWireError);
    expect(() => readDelta({ ...base, ops: [] }, context)).toThrow('ops must not be empty');
    expect(() => readDelta({ ...base, version: 0, ops: [['m', 'k']] }, context)).toThrow(
      'version must be an integer of at least 1',
    );
    expect(() =>
      readDelta(
        {
          ...base,
          version: Number.MAX_SAFE_INTEGER,
          ops: [
            ['m', 'k'],
            ['m', 'j'],
          ],
        },
        context,
      ),
    ).toThrow('version out of range');
  });

  it('drops bad items one by one, keeping a delta’s versions in place', () => {
    const read = readDelta(
      {
        ...base,
        ops: [
          ['presence', 'alice', 'busy'],
          ['', 'k', 1],
          ['m', 'k'.repeat(257), 1],
          ['m', 'k', 'x'.repeat(2000)],
          ['m', 'k', { at: new Date() }],
          'nope',
          ['m'],
          ['m', 'k', 1, 2],
          ['presence', 'bob'],
        ],
      },
      context,
    );
    expect(read.message.ops.map((op) => op?.[1] ?? null)).toEqual([
      'alice',
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      'bob',
    ]);
    expect(read.problems).toHaveLength(7);
    expect(read.problems[0]).toBe('ops[1]: map must be a string of 1 to 64 characters');
    const snapshot = readSnapshotPart(
      {
        ...base,
        part: 0,
        final: true,
        entries: [
          ['presence', 'alice'],
          ['presence', 'bob', 'busy'],
        ],
      },
      context,
    );
    expect(snapshot.problems).toEqual(['entries[0]: must be [map, key, value]']);
    expect(snapshot.message.entries.map((e) => e[1])).toEqual(['bob']);
  });
});

describe('inParts', () => {
  it('splits by bytes, one item at least per part, one part at least', () => {
    expect(inParts([], (n: number) => n, 10)).toEqual([[]]);
    expect(inParts([4, 4, 4, 20, 1], (n) => n, 10)).toEqual([[4, 4], [4], [20], [1]]);
  });
});

describe('leavesAtOnce', () => {
  it('is true for a node that left on purpose, false for a loss that may heal', () => {
    for (const reason of ['closed', 'disabled-remote', 'mesh-disabled-remote', 'unlicensed-remote'] as const)
      expect(leavesAtOnce(reason)).toBe(true);
    for (const reason of ['connection-lost', 'timeout', 'shutdown', 'protocol-error', 'clock-skew'] as const)
      expect(leavesAtOnce(reason)).toBe(false);
  });
});
