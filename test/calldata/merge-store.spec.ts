import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import type { CallDataChange } from '../../src/calldata/calldata.js';
import { CallDataWriter } from '../../src/calldata/store/calldata-writer.js';
import type { MeshNode } from '../helpers/mesh-node.js';
import { callDataCluster } from './calldata-mesh.js';

const ORIGINS = [
  '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
  '6fa459ea-ee8a-3ca4-894e-db77e160355e',
  'f47ac10b-58cc-4372-a567-0e02b2c3d479',
];

/** Logs of three origins: seq 1, 2, 3… per origin, stamps increasing per origin as a clock makes them. */
const logs = fc
  .array(
    fc.record({
      origin: fc.constantFrom(...ORIGINS),
      callLinkageId: fc.constantFrom('call-a', 'call-b'),
      step: fc.bigInt({ min: 1n, max: 3n }),
      fields: fc.dictionary(
        fc.constantFrom('customer', 'ticket', 'note'),
        fc.option(fc.string({ maxLength: 4 })),
        {
          minKeys: 1,
        },
      ),
    }),
    { minLength: 1, maxLength: 40 },
  )
  .map((drafts) => {
    const seqs = new Map<string, number>();
    const clocks = new Map<string, bigint>();
    return drafts.map(({ origin, callLinkageId, step, fields }): CallDataChange => {
      const seq = (seqs.get(origin) ?? 0) + 1;
      const hlc = (clocks.get(origin) ?? 100n) + step;
      seqs.set(origin, seq);
      clocks.set(origin, hlc);
      return { origin, seq, callLinkageId, hlc, fields };
    });
  });

async function tables(node: MeshNode): Promise<unknown> {
  const db = node.app.get(DataSource);
  return {
    calls: await db.query<unknown[]>(
      'SELECT call_linkage_id, origin_node_id, first_hlc, updated_hlc FROM calldata_call ORDER BY 1',
    ),
    fields: await db.query<unknown[]>(
      'SELECT call_linkage_id, name, value, hlc, node_id FROM calldata_field ORDER BY 1, 2',
    ),
    progress: await db.query<unknown[]>('SELECT * FROM calldata_origin ORDER BY 1'),
  };
}

async function clear(node: MeshNode): Promise<void> {
  await node.app
    .get(DataSource)
    .query('TRUNCATE calldata_call, calldata_field, calldata_change, calldata_origin');
}

describe('the CallData store merges in PostgreSQL', () => {
  const cluster = callDataCluster();

  it('ends with the same rows whatever the order, grouping and repetition of the changes', async () => {
    const [one, two] = [await cluster.start(), await cluster.start()];
    const writers = [one, two].map((node) => node.app.get(CallDataWriter));
    await fc.assert(
      fc.asyncProperty(
        logs.chain((changes) =>
          fc.tuple(
            fc.constant(changes),
            fc.shuffledSubarray(changes, { minLength: changes.length }),
            fc.integer({ min: 1, max: 7 }),
          ),
        ),
        async ([changes, shuffled, chunk]) => {
          await Promise.all([clear(one), clear(two)]);
          // A fresh writer state: the rows were just removed.
          for (const [i, node] of [one, two].entries()) await writers[i]!.load(node.nodeId);
          await writers[0]!.apply(changes);
          const pending = [];
          for (let i = 0; i < shuffled.length; i += chunk)
            pending.push(writers[1]!.apply(shuffled.slice(i, i + chunk)));
          pending.push(writers[1]!.apply(changes.slice(0, chunk))); // delivered twice
          await Promise.all(pending);
          expect(await tables(two)).toEqual(await tables(one));
        },
      ),
      { numRuns: 40 },
    );
  });
});
