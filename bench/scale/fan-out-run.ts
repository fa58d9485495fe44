import type { BroadcastStepResult, CollectStepResult } from './scale-bench.types.js';
import type { ScaleCluster } from './scale-cluster.js';

/** Messages broadcast by some nodes, as every other node counted them. */
export interface FanOutResult {
  senders: number;
  /** Broadcast calls, all senders together. */
  sent: number;
  /** Messages the receivers should have got: Σ over the calls of the links each went to. */
  deliveries: number;
  received: number;
  /** From the first sender's first call to the last receipt anywhere. */
  seconds: number;
  deliveriesPerSecond: number;
  /** Broadcast calls per second, from the first call to the last sender's end. */
  broadcastsPerSecond: number;
}

/** After the senders are done, missing messages are awaited this long. */
const DRAIN_LIMIT_MS = 30_000;

/**
 * `LinkService.broadcast` of `count` messages from each of `senders` at once, counted at every
 * node; fails unless every delivery arrived intact.
 */
export async function fanOut(
  cluster: ScaleCluster,
  senders: number[],
  count: number,
  timeLimitMs: number,
): Promise<FanOutResult> {
  await cluster.steps(() => ({ do: 'arm' }));
  const sends = await cluster.steps<BroadcastStepResult>(
    () => ({ do: 'broadcast', count, timeLimitMs }),
    senders,
  );
  const sentBy = new Map(senders.map((node, k) => [node, (sends[k] as BroadcastStepResult).sent]));
  const sentToOthers = (node: number) =>
    [...sentBy].reduce((sum, [sender, sent]) => (sender === node ? sum : sum + sent), 0);
  const receipts = await cluster.steps<CollectStepResult>((node) => ({
    do: 'collect',
    expected: sentToOthers(node),
    limitMs: DRAIN_LIMIT_MS,
  }));
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const sent = sum(sends.map((s) => s.sent));
  const deliveries = sum(sends.map((s) => s.deliveries));
  const received = sum(receipts.map((r) => r.received));
  const invalid = sum(receipts.map((r) => r.invalid));
  const expected = sum(cluster.nodes.map((_, node) => sentToOthers(node)));
  if (deliveries !== expected) throw new Error(`broadcasts reached ${deliveries} of ${expected} receivers`);
  if (received !== deliveries) {
    const short = receipts.flatMap((r, node) => {
      const downs = Object.entries(r.linkDowns).map(([reason, n]) => `${n} ${reason}`);
      return r.received < sentToOthers(node)
        ? [
            `node ${node + 1} got ${r.received}${downs.length > 0 ? ` (links down: ${downs.join(', ')})` : ''}`,
          ]
        : [];
    });
    throw new Error(
      `from ${senders.length} node(s): ${received} of ${deliveries} broadcast deliveries arrived; ` +
        `${short.join('; ')}; links down at the senders: ${describeDowns(senders.map((node) => receipts[node]))}`,
    );
  }
  if (invalid > 0) throw new Error(`${invalid} broadcast messages arrived damaged`);
  const start = Math.min(...sends.map((s) => s.startedAt));
  // A lone sender receives nothing: it has no receipt time.
  const lastReceipt = Math.max(...receipts.flatMap((r) => (r.lastAt === undefined ? [] : [r.lastAt])));
  const seconds = (lastReceipt - start) / 1000;
  const sendSeconds = (Math.max(...sends.map((s) => s.endedAt)) - start) / 1000;
  return {
    senders: senders.length,
    sent,
    deliveries,
    received,
    seconds,
    deliveriesPerSecond: received / seconds,
    broadcastsPerSecond: sent / sendSeconds,
  };
}

function describeDowns(receipts: Array<CollectStepResult | undefined>): string {
  const total: Record<string, number> = {};
  for (const r of receipts) {
    for (const [reason, n] of Object.entries(r?.linkDowns ?? {})) total[reason] = (total[reason] ?? 0) + n;
  }
  const parts = Object.entries(total).map(([reason, n]) => `${n} ${reason}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}
