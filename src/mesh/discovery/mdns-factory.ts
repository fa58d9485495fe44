import multicastDns from 'multicast-dns';

export type MulticastDns = multicastDns.MulticastDNS;
export type MulticastDnsOptions = multicastDns.Options;
/** Opens one multicast DNS socket; `multicast-dns` itself unless a test provides another. */
export type MdnsFactory = (options: MulticastDnsOptions) => MulticastDns;

/** Optional provider token replacing the multicast DNS socket factory (tests without sockets). */
export const MDNS_FACTORY = Symbol('UC_MESH_MDNS_FACTORY');

export const defaultMdnsFactory: MdnsFactory = (options) => multicastDns(options);
