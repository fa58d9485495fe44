import { describe, expect, it } from '@jest/globals';
import { encodeLinkFrame } from './link-frames.js';
import { checkFrameLimit } from './frame-limit.js';
import {
  BackpressureError,
  MeshLinkClosedError,
  MeshNotLinkedError,
  MeshPayloadTooLargeError,
  MeshRemoteError,
  MeshRequestTimeoutError,
} from './link.errors.js';
import { failedResult } from './request-all.js';

describe('failedResult: a node outcome names why it failed', () => {
  it.each([
    [new MeshRequestTimeoutError('n', 't', 10), 'timeout'],
    [new MeshRemoteError('n', 't', 'handler-failed', 'boom'), 'handler-failed'],
    [new MeshRemoteError('n', 't', 'no-handler', 'none'), 'no-handler'],
    [new MeshLinkClosedError('n', 'timeout'), 'link-closed'],
    [new MeshNotLinkedError('n'), 'not-linked'],
    [new BackpressureError('n', 100), 'backpressure'],
    [new MeshPayloadTooLargeError('t', 2000, 1024), 'payload-too-large'],
    [new RangeError('something else'), 'error'],
  ])('%s → %s', (error, reason) => {
    expect(failedResult('n', error)).toEqual({ nodeId: 'n', ok: false, error, reason });
  });

  it('wraps what is not an Error', () => {
    expect(failedResult('n', 'a string')).toEqual({
      nodeId: 'n',
      ok: false,
      error: new Error('a string'),
      reason: 'error',
    });
  });
});

describe('checkFrameLimit: the body of a frame, not its length header, counts', () => {
  const frame = encodeLinkFrame.message('t', Buffer.alloc(2000));
  const body = frame.length - 4;

  it('passes a frame whose body is exactly the limit', () => {
    expect(checkFrameLimit('t', frame, body)).toBe(frame);
  });

  it('refuses one byte more, naming the topic, the size and the limit', () => {
    expect(() => checkFrameLimit('t', frame, body - 1)).toThrow(
      new MeshPayloadTooLargeError('t', body, body - 1),
    );
    expect(() => checkFrameLimit('t', frame, body - 1)).toThrow(`maxFrameBytes = ${body - 1}`);
  });
});
