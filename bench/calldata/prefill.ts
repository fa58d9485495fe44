import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CallDataChange } from '../../src/calldata/calldata.js';
import { stampAt } from '../../src/calldata/clock/hybrid-clock.js';
import { CallDataWriter } from '../../src/calldata/store/calldata-writer.js';
import { callDataFields } from './calldata-fields.js';

/** A node that is no part of the benchmark: the origin of the prefilled calls. */
const PREFILL_ORIGIN = '00000000-0000-4000-8000-0000000000a1';
/** Changes per `apply`, below the writer's batch limit. */
const CHUNK = 2000;

/**
 * Gives a node's CallData tables `calls` calls of an hour ago, then runs `ANALYZE`, so that the
 * planner has statistics, as on a node that has run for a while (autovacuum analyzes about once a
 * minute). The calls arrive as changes of a third node, the same on every benchmark node: both
 * nodes hold that origin's log up to the same point, so neither pulls anything from the other.
 */
export async function prefillAndAnalyze(app: INestApplicationContext, calls: number): Promise<void> {
  const writer = app.get(CallDataWriter);
  const hourAgo = stampAt(Date.now() - 3_600_000);
  for (let start = 0; start < calls; start += CHUNK) {
    const changes: CallDataChange[] = [];
    for (let i = start; i < Math.min(calls, start + CHUNK); i++) {
      changes.push({
        origin: PREFILL_ORIGIN,
        seq: i + 1,
        callLinkageId: `bench-prefill-${i.toString().padStart(9, '0')}`,
        hlc: hourAgo + BigInt(i),
        fields: callDataFields(i, 0),
      });
    }
    await writer.apply(changes);
  }
  await app.get(DataSource).query('ANALYZE');
}
