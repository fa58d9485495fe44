import { describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { OnMeshEvent, OnMeshRequest } from '../../src/mesh/link/on-mesh-message.decorator.js';
import { MeshPayloadTooLargeError, MeshRemoteError } from '../../src/mesh/link/link.errors.js';
import { meshCluster } from '../helpers/mesh-cluster.js';

const MAX_FRAME = 64 * 1024;
const tooLarge = { blob: 'x'.repeat(MAX_FRAME) };
// Leaves room for the tuple, the topic and the MessagePack headers.
const justBelow = { blob: 'y'.repeat(MAX_FRAME - 100) };

@Injectable()
class Export {
  readonly received: number[] = [];

  @OnMeshEvent('export.part')
  part(payload: { blob: string }): void {
    this.received.push(payload.blob.length);
  }

  @OnMeshRequest('export.get')
  get(payload: { bytes: number }): { blob: string } {
    return { blob: 'z'.repeat(payload.bytes) };
  }

  @OnMeshRequest('export.verbose')
  verbose(): never {
    throw new Error('e'.repeat(1_000_000));
  }
}

describe('large payloads: refused up front with the limit, the link stays', () => {
  const cluster = meshCluster();

  it('refuses a message, request, broadcast or answer above maxFrameBytes, naming the limit, and delivers one just below', async () => {
    const [a, b] = [
      await cluster.start({ maxFrameBytes: MAX_FRAME }, [Export]),
      await cluster.start({ maxFrameBytes: MAX_FRAME }, [Export]),
    ];
    a.link.connect(b.target);
    await a.untilStatus(b.target, 'connected');

    const refused = expect.objectContaining({
      name: 'MeshPayloadTooLargeError',
      topic: 'export.part',
      maxFrameBytes: MAX_FRAME,
      frameBytes: expect.any(Number),
      message: expect.stringContaining(`maxFrameBytes = ${MAX_FRAME}`),
    });
    await expect(a.link.send(b.nodeId, 'export.part', tooLarge)).rejects.toEqual(refused);
    await expect(a.link.send(b.nodeId, 'export.part', tooLarge)).rejects.toBeInstanceOf(
      MeshPayloadTooLargeError,
    );
    await expect(a.link.broadcast('export.part', tooLarge)).rejects.toEqual(refused);
    await expect(a.link.request(b.nodeId, 'export.get', tooLarge)).rejects.toBeInstanceOf(
      MeshPayloadTooLargeError,
    );
    const all = await a.link.requestAll('export.get', tooLarge);
    expect(all).toEqual([
      expect.objectContaining({ nodeId: b.nodeId, ok: false, reason: 'payload-too-large' }),
    ]);

    // An answer above the limit: the asking node hears why, in a fault that fits.
    const answer = a.link.request(b.nodeId, 'export.get', { bytes: MAX_FRAME });
    await expect(answer).rejects.toBeInstanceOf(MeshRemoteError);
    await expect(answer).rejects.toThrow(
      new RegExp(`handler-failed: the answer could not be sent: .*maxFrameBytes = ${MAX_FRAME}`),
    );
    // A handler's error text longer than a frame is cut, not sent whole.
    const verbose = a.link.request(b.nodeId, 'export.verbose', {});
    await expect(verbose).rejects.toThrow(/handler-failed: e{1000}/);
    const fault = (await verbose.catch((error: unknown) => error)) as Error;
    expect(fault.message.length).toBeLessThan(MAX_FRAME);

    // Just below the limit everything passes, and the link never went down.
    await a.link.send(b.nodeId, 'export.part', justBelow);
    await expect(a.link.request(b.nodeId, 'export.get', { bytes: MAX_FRAME - 100 })).resolves.toEqual({
      blob: 'z'.repeat(MAX_FRAME - 100),
    });
    const received = b.app.get(Export).received;
    await b.until('the message just below the limit', () => received.length === 1);
    expect(received).toEqual([justBelow.blob.length]);
    expect(a.link.isLinked(b.nodeId)).toBe(true);
    expect([...a.named('mesh.link.down'), ...b.named('mesh.link.down')]).toEqual([]);
  });
});
