import { asError } from '../../common/describe-error.js';
import type { Link } from './link.js';
import {
  BackpressureError,
  MeshLinkClosedError,
  MeshNotLinkedError,
  MeshPayloadTooLargeError,
  MeshRemoteError,
  MeshRequestTimeoutError,
} from './link.errors.js';

/** Why one node's part of a `requestAll` failed, read from the error's class. */
export type MeshRequestFailureReason =
  | 'timeout'
  | 'handler-failed'
  | 'no-handler'
  | 'link-closed'
  | 'not-linked'
  | 'backpressure'
  | 'payload-too-large'
  | 'error';

/** One node's outcome of a `requestAll`: its answer, or the error and its reason. */
export type MeshNodeResult<T> =
  | { nodeId: string; ok: true; answer: T }
  | { nodeId: string; ok: false; error: Error; reason: MeshRequestFailureReason };

/**
 * Asks every given link at once and settles when each has answered or failed (its own timeout,
 * a fault, the link closing): never later than the slowest live node, never at the timeout when
 * all answered. The links are the caller's snapshot, so a node that links meanwhile is not waited
 * for. Results are in the order of `links`; this never rejects.
 */
export function requestAll<T>(
  links: readonly Link[],
  topic: string,
  payload: unknown,
  timeoutMs: number,
): Promise<Array<MeshNodeResult<T>>> {
  return Promise.all(
    links.map((link) =>
      link.request(topic, payload, timeoutMs).then(
        (answer): MeshNodeResult<T> => ({ nodeId: link.nodeId, ok: true, answer: answer as T }),
        (error: unknown): MeshNodeResult<T> => failedResult(link.nodeId, error),
      ),
    ),
  );
}

/** A failed node's result, its reason named after the error. */
export function failedResult(nodeId: string, error: unknown): MeshNodeResult<never> {
  const failure = asError(error);
  return { nodeId, ok: false, error: failure, reason: failureReason(failure) };
}

function failureReason(error: Error): MeshRequestFailureReason {
  if (error instanceof MeshRequestTimeoutError) return 'timeout';
  if (error instanceof MeshRemoteError) return error.code;
  if (error instanceof MeshLinkClosedError) return 'link-closed';
  if (error instanceof MeshNotLinkedError) return 'not-linked';
  if (error instanceof BackpressureError) return 'backpressure';
  if (error instanceof MeshPayloadTooLargeError) return 'payload-too-large';
  return 'error';
}
