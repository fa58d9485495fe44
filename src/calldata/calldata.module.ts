import { Module } from '@nestjs/common';

/**
 * Replication of CallData (key/value fields of a call, keyed by the PBX's call linkage ID) over
 * the mesh. Its service, entity and routes arrive with the CallData issue; the module exists so
 * host applications can import it from the start.
 */
@Module({})
export class CallDataModule {}
