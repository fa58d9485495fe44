import type multicastDns from 'multicast-dns';

type Answer = multicastDns.ResponseOutgoingPacket['answers'][number];
type Question = multicastDns.QueryOutgoingPacket['questions'][number];

/** The DNS-SD service type of UC Mesh nodes. */
export const SERVICE_TYPE = '_ucmesh._tcp.local';
/**
 * Seconds a DNS-SD browser may keep the records. Short, because the TXT proof is only accepted
 * for about a minute anyway; mesh nodes do not use it (they forget a node after 3 intervals).
 */
export const RECORD_TTL_S = 60;

/** At most this many questions or records of one packet are looked at. */
const MAX_QUESTIONS = 32;
const MAX_RECORDS = 64;

/** What this node announces on one interface. */
export interface ServiceRecordsInput {
  nodeId: string;
  port: number;
  /** The interface's IPv4 address, for the A record. */
  address: string;
  txt: string[];
}

/**
 * The instance name: the node ID, never the mesh ID, which must not be readable on the wire.
 * Nodes of several meshes in one LAN all show as `<node ID>._ucmesh._tcp.local`.
 */
export function instanceName(nodeId: string): string {
  return `${nodeId}.${SERVICE_TYPE}`;
}

/** PTR, SRV, TXT and A: the full answer to a browse, as one multicast response. */
export function serviceRecords({ nodeId, port, address, txt }: ServiceRecordsInput): Answer[] {
  const instance = instanceName(nodeId);
  const target = `${nodeId}.local`;
  return [
    { name: SERVICE_TYPE, type: 'PTR', ttl: RECORD_TTL_S, data: instance },
    {
      name: instance,
      type: 'SRV',
      ttl: RECORD_TTL_S,
      flush: true,
      data: { target, port, priority: 0, weight: 0 },
    },
    { name: instance, type: 'TXT', ttl: RECORD_TTL_S, flush: true, data: txt },
    { name: target, type: 'A', ttl: RECORD_TTL_S, flush: true, data: address },
  ];
}

/** The browse query sent at every interval. */
export function browseQuestions(): Question[] {
  return [{ name: SERVICE_TYPE, type: 'PTR' }];
}

/** Whether a received query asks for the service type (a browse) or for this node's instance. */
export function asksFor(questions: unknown, nodeId: string): boolean {
  if (!Array.isArray(questions)) return false;
  const instance = instanceName(nodeId).toLowerCase();
  for (const question of questions.slice(0, MAX_QUESTIONS) as unknown[]) {
    if (typeof question !== 'object' || question === null) continue;
    const { name, type } = question as { name?: unknown; type?: unknown };
    if (typeof name !== 'string') continue;
    const asked = name.toLowerCase();
    if (asked === SERVICE_TYPE && (type === 'PTR' || type === 'ANY')) return true;
    if (asked === instance && (type === 'SRV' || type === 'TXT' || type === 'ANY')) return true;
  }
  return false;
}

/** The TXT data of every record in a response that names an instance of the service type. */
export function serviceTxtRecords(packet: unknown, limit: number): unknown[] {
  if (typeof packet !== 'object' || packet === null) return [];
  const { answers, additionals } = packet as { answers?: unknown; additionals?: unknown };
  const records = [
    ...(Array.isArray(answers) ? (answers as unknown[]) : []),
    ...(Array.isArray(additionals) ? (additionals as unknown[]) : []),
  ].slice(0, MAX_RECORDS);
  const found: unknown[] = [];
  const suffix = `.${SERVICE_TYPE}`;
  for (const record of records) {
    if (typeof record !== 'object' || record === null) continue;
    const { name, type, data } = record as { name?: unknown; type?: unknown; data?: unknown };
    if (type !== 'TXT' || typeof name !== 'string' || !name.toLowerCase().endsWith(suffix)) continue;
    found.push(data);
    if (found.length >= limit) break;
  }
  return found;
}
