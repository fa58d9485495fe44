/** `send`/`request` to a node with no link up. */
export class MeshNotLinkedError extends Error {
  constructor(readonly nodeId: string) {
    super(`no mesh link to node ${nodeId}`);
    this.name = 'MeshNotLinkedError';
  }
}

/** A `request` that got no answer in time. */
export class MeshRequestTimeoutError extends Error {
  constructor(
    readonly nodeId: string,
    readonly topic: string,
    readonly timeoutMs: number,
  ) {
    super(`request "${topic}" to node ${nodeId} got no answer within ${timeoutMs} ms`);
    this.name = 'MeshRequestTimeoutError';
  }
}

/** The peer's handler failed, or the peer has none for the topic. */
export class MeshRemoteError extends Error {
  constructor(
    readonly nodeId: string,
    readonly topic: string,
    readonly code: 'handler-failed' | 'no-handler',
    message: string,
  ) {
    super(`node ${nodeId} answered "${topic}" with ${code}: ${message}`);
    this.name = 'MeshRemoteError';
  }
}

/** The link went down before a request was answered. */
export class MeshLinkClosedError extends Error {
  constructor(
    readonly nodeId: string,
    readonly reason: string,
  ) {
    super(`the link to node ${nodeId} closed (${reason})`);
    this.name = 'MeshLinkClosedError';
  }
}

/** The peer reads slower than this node sends and the link's send buffer is full. */
export class BackpressureError extends Error {
  constructor(
    readonly nodeId: string,
    readonly bufferedBytes: number,
  ) {
    super(`the link to node ${nodeId} has ${bufferedBytes} bytes unsent; the peer is not keeping up`);
    this.name = 'BackpressureError';
  }
}

/**
 * A message, request or answer whose frame would exceed `maxFrameBytes`: refused before anything
 * is written, so the link stays up (a peer would close it on such a frame).
 */
export class MeshPayloadTooLargeError extends Error {
  constructor(
    readonly topic: string,
    readonly frameBytes: number,
    readonly maxFrameBytes: number,
  ) {
    super(
      `"${topic}" encodes to a frame of ${frameBytes} bytes, above the limit maxFrameBytes = ${maxFrameBytes}; send it in smaller parts`,
    );
    this.name = 'MeshPayloadTooLargeError';
  }
}
