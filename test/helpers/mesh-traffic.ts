import { Injectable } from '@nestjs/common';
import { OnMeshMessage, type MeshMessageContext } from '../../src/mesh/link/on-mesh-message.decorator.js';
import type { MeshNode } from './mesh-node.js';

/** Answers requests, so a test can tell that a link still carries traffic. */
@Injectable()
export class EchoHandler {
  @OnMeshMessage('test.echo')
  echo(payload: unknown, context: MeshMessageContext): unknown {
    return { payload, from: context.fromNodeId };
  }
}

/** Requests back and forth over the given links until stopped; collects every failure. */
export function keepRequesting(pairs: Array<[MeshNode, MeshNode]>) {
  let stopped = false;
  let answered = 0;
  const failures: unknown[] = [];
  const loop = (async () => {
    // Ended by `stop()`, and in any case after two minutes; each request has its own time limit.
    const deadline = Date.now() + 120_000;
    while (!stopped) {
      // Traffic that ended before the test stopped it has not covered the rest of the test.
      if (Date.now() > deadline) return void failures.push(new Error('requests ended at their deadline'));
      for (const [from, to] of pairs) {
        try {
          const answer = await from.link.request(to.nodeId, 'test.echo', answered, { timeoutMs: 5000 });
          const expected = { payload: answered, from: from.nodeId };
          if (JSON.stringify(answer) !== JSON.stringify(expected)) failures.push({ answer, expected });
          answered++;
        } catch (error: unknown) {
          failures.push(error);
        }
      }
      await new Promise((done) => setTimeout(done, 10));
    }
  })();
  return {
    get answered() {
      return answered;
    },
    stop: async () => {
      stopped = true;
      await loop;
      return { answered, failures };
    },
  };
}
