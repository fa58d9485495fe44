// CallData's parts AdminModule's metrics watch (commits, refusals, stamps). Not a package entry:
// hosts use `uc-mesh/calldata`.
export { wallTimeOf } from './clock/hybrid-clock.js';
export { REFUSAL_REASONS, ReplicationAudit } from './replication/replication-audit.js';
export { CallDataWriter } from './store/calldata-writer.js';
