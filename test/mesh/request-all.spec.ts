import { describe, expect, it, jest } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { OnMeshRequest } from '../../src/mesh/link/on-mesh-message.decorator.js';
import {
  MeshRequestTimeoutError,
  MeshLinkClosedError,
  MeshRemoteError,
} from '../../src/mesh/link/link.errors.js';
import type { MeshNodeResult } from '../../src/mesh/link/request-all.js';
import { createPrivateKey } from 'node:crypto';
import { generateVendorKeys, issueLicenseToken } from '../../src/mesh/license/license-issuer.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import type { MeshNode } from '../helpers/mesh-node.js';

const TOPIC = 'census.count';

/** Handlers held until the test releases them, counted when called. */
const held = { calls: 0, release: () => undefined as void, gate: Promise.resolve() };
function holdHandlers(): void {
  held.calls = 0;
  held.gate = new Promise((done) => (held.release = done));
}

@Injectable()
class QuickCensus {
  @OnMeshRequest(TOPIC)
  answer(payload: { question: string }): { answer: string } {
    return { answer: `quick: ${payload.question}` };
  }
}

@Injectable()
class FailingCensus {
  @OnMeshRequest(TOPIC)
  answer(): never {
    throw new Error('the census store is down');
  }
}

@Injectable()
class HeldCensus {
  @OnMeshRequest(TOPIC)
  async answer(payload: { question: string }): Promise<{ answer: string }> {
    held.calls++;
    await held.gate;
    return { answer: `held: ${payload.question}` };
  }
}

// The hub links to more nodes than the evaluation's two connections.
const vendor = generateVendorKeys();
const hubLicense = () =>
  issueLicenseToken(createPrivateKey(vendor.privateKey), {
    licensee: 'test',
    connections: 8,
    validForMs: 3_600_000,
  });

const byNode = <T>(results: Array<MeshNodeResult<T>>) => new Map(results.map((r) => [r.nodeId, r]));

describe('requestAll: ask every linked node, settle when each has answered or failed', () => {
  const cluster = meshCluster();
  // A request of several minutes' timeout: resolving before it is what the test checks.
  jest.setTimeout(120_000);

  /** A asks; B answers, C fails, D and E hold until released. */
  async function fiveNodes(): Promise<MeshNode[]> {
    const nodes = [
      await cluster.start({ license: await hubLicense(), licensePublicKey: vendor.publicKey }),
      await cluster.start({}, [QuickCensus]),
      await cluster.start({}, [FailingCensus]),
      await cluster.start({}, [HeldCensus]),
      await cluster.start({}, [HeldCensus]),
    ];
    const [a, ...others] = nodes as [MeshNode, ...MeshNode[]];
    for (const other of others) a.link.connect(other.target);
    await a.until('four links at A', () => a.link.linkedNodes().length === 4);
    return nodes;
  }

  it('resolves when the last live node answers, with each node outcome; a node linking meanwhile is not asked', async () => {
    const [a, b, c, d, e] = (await fiveNodes()) as [MeshNode, MeshNode, MeshNode, MeshNode, MeshNode];
    holdHandlers();
    let settled = false;
    const asked = a.link
      .requestAll<{ answer: string }>(TOPIC, { question: 'who is there?' }, { timeoutMs: 600_000 })
      .finally(() => (settled = true));
    await a.until('D and E hold the request', () => held.calls === 2);

    // E's link drops while its handler holds: E fails at once, not at the timeout.
    e.link.closeLink(a.nodeId, 'closed');
    // A new node links meanwhile; it was not linked when asked.
    const f = await cluster.start({}, [QuickCensus]);
    a.link.connect(f.target);
    await a.until('F linked to A', () => a.link.isLinked(f.nodeId));
    // D still holds: nothing may have settled yet, B's, C's and E's outcomes notwithstanding.
    expect(settled).toBe(false);

    held.release();
    const results = await asked;
    expect(results).toHaveLength(4);
    const outcome = byNode(results);
    expect(outcome.get(b.nodeId)).toEqual({
      nodeId: b.nodeId,
      ok: true,
      answer: { answer: 'quick: who is there?' },
    });
    expect(outcome.get(d.nodeId)).toEqual({
      nodeId: d.nodeId,
      ok: true,
      answer: { answer: 'held: who is there?' },
    });
    expect(outcome.get(c.nodeId)).toMatchObject({ ok: false, reason: 'handler-failed' });
    const failed = outcome.get(c.nodeId);
    expect(failed?.ok === false && failed.error).toEqual(
      new MeshRemoteError(c.nodeId, TOPIC, 'handler-failed', 'the census store is down'),
    );
    expect(outcome.get(e.nodeId)).toMatchObject({ ok: false, reason: 'link-closed' });
    const dropped = outcome.get(e.nodeId);
    expect(dropped?.ok === false && dropped.error).toBeInstanceOf(MeshLinkClosedError);
    expect(outcome.has(f.nodeId)).toBe(false);
  });

  it('reports the timeout for the node that did not answer in time, and the answers of the others', async () => {
    const [a, b, c, d, e] = (await fiveNodes()) as [MeshNode, MeshNode, MeshNode, MeshNode, MeshNode];
    holdHandlers();
    const results = await a.link.requestAll(TOPIC, { question: 'anyone?' }, { timeoutMs: 1500 });
    // Released only now: D and E answer after their timeout, which changes nothing.
    held.release();
    const outcome = byNode(results);
    expect(outcome.get(b.nodeId)).toMatchObject({ ok: true, answer: { answer: 'quick: anyone?' } });
    expect(outcome.get(c.nodeId)).toMatchObject({ ok: false, reason: 'handler-failed' });
    for (const slow of [d, e]) {
      const result = outcome.get(slow.nodeId);
      expect(result).toMatchObject({ ok: false, reason: 'timeout' });
      expect(result?.ok === false && result.error).toEqual(
        new MeshRequestTimeoutError(slow.nodeId, TOPIC, 1500),
      );
    }
    // The links stay, and a later round is answered by all of them.
    const again = await a.link.requestAll<{ answer: string }>(
      TOPIC,
      { question: 'now?' },
      { timeoutMs: 600_000 },
    );
    expect(
      again
        .filter((r) => r.ok)
        .map((r) => r.nodeId)
        .sort(),
    ).toEqual([b.nodeId, d.nodeId, e.nodeId].sort());
  });

  it('with no linked node resolves with no results', async () => {
    const a = await cluster.start();
    await expect(a.link.requestAll(TOPIC, {})).resolves.toEqual([]);
  });
});
