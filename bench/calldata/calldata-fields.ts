import type { CallDataFieldChanges } from '../../src/calldata/calldata.js';

/**
 * Wall time in ms since the epoch with sub-millisecond digits, comparable between the processes
 * of one machine (both take `timeOrigin` from the same system clock).
 */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The call linkage ID of the `index`-th set: every set creates a call of its own. */
export function callLinkageIdOf(index: number): string {
  return `bench-call-${index.toString().padStart(9, '0')}`;
}

/** The index in a call linkage ID of `callLinkageIdOf`, or -1. */
export function indexOfCall(callLinkageId: string): number {
  const match = /^bench-call-(\d{9})$/.exec(callLinkageId);
  return match ? Number(match[1]) : -1;
}

const AGENTS = ['a.schneider', 'm.yilmaz', 'j.kowalski', 'l.rossi', 's.novak', 'k.jensen', 'p.dubois'];
const QUEUES = ['billing-de', 'support-de', 'sales-en-gb', 'claims-fr'];

/**
 * What a contact-centre application attaches to a call, about 120 bytes of names and values:
 * customer number, ticket, agent, queue, and `sentAt` (when `set` was called, see `wallNow`).
 */
export function callDataFields(index: number, sentAt: number): CallDataFieldChanges {
  return {
    customerNumber: `K-${(4_800_000 + index).toString().padStart(8, '0')}`,
    ticket: `INC-2026-${(index % 10_000_000).toString().padStart(7, '0')}`,
    agent: `${AGENTS[index % AGENTS.length]}@support.example`,
    queue: QUEUES[index % QUEUES.length] as string,
    sentAt: sentAt.toFixed(3),
  };
}

/** Bytes of the fields' names and values, UTF-8. */
export function fieldBytes(fields: CallDataFieldChanges): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(fields)) {
    bytes += Buffer.byteLength(name) + (value === null ? 0 : Buffer.byteLength(value));
  }
  return bytes;
}
