import { isIPv4 } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';

/** An IPv4 interface address the search runs on: one multicast DNS socket each. */
export interface DiscoveryInterface {
  address: string;
  netmask: string;
}

/**
 * The interface addresses to search on: with `configured` (`MESH_DISCOVERY_INTERFACE`) only that
 * one, if this computer has it; otherwise every non-internal IPv4 address. A namespace or host
 * without a default route needs the address named, because a multicast socket without one sends
 * by the routing table.
 */
export function selectInterfaces(
  configured: string | undefined,
  nics: NodeJS.Dict<NetworkInterfaceInfo[]>,
): DiscoveryInterface[] {
  const all = Object.values(nics)
    .flatMap((list) => list ?? [])
    .filter((nic) => nic.family === 'IPv4' && isIPv4(nic.address));
  if (configured !== undefined) {
    const match = all.find((nic) => nic.address === configured);
    return match ? [{ address: match.address, netmask: match.netmask }] : [];
  }
  const seen = new Set<string>();
  const chosen: DiscoveryInterface[] = [];
  for (const nic of all) {
    if (nic.internal || seen.has(nic.address)) continue;
    seen.add(nic.address);
    chosen.push({ address: nic.address, netmask: nic.netmask });
  }
  return chosen;
}

/** Whether `address` lies in the subnet of `nic`; false for anything that is not IPv4. */
export function inSubnet(address: string, nic: DiscoveryInterface): boolean {
  const a = ipv4ToInt(address);
  const b = ipv4ToInt(nic.address);
  const mask = ipv4ToInt(nic.netmask);
  if (a === undefined || b === undefined || mask === undefined) return false;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

function ipv4ToInt(address: string): number | undefined {
  if (!isIPv4(address)) return undefined;
  return address.split('.').reduce((value, part) => ((value << 8) | Number(part)) >>> 0, 0);
}
