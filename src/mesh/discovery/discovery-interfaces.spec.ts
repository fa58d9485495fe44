import { describe, expect, it } from '@jest/globals';
import type { NetworkInterfaceInfo } from 'node:os';
import { inSubnet, selectInterfaces } from './discovery-interfaces.js';
import { asksFor, SERVICE_TYPE } from './dns-sd-records.js';

function nic(address: string, netmask: string, internal = false): NetworkInterfaceInfo {
  return { address, netmask, family: 'IPv4', mac: '00:00:00:00:00:00', internal, cidr: null };
}

const NICS: NodeJS.Dict<NetworkInterfaceInfo[]> = {
  lo: [nic('127.0.0.1', '255.0.0.0', true)],
  eth0: [
    nic('10.1.2.3', '255.255.255.0'),
    { ...nic('fe80::1', 'ffff:ffff:ffff:ffff::'), family: 'IPv6', scopeid: 2 },
  ],
  eth1: [nic('192.168.7.20', '255.255.0.0'), nic('192.168.9.1', '255.255.255.0')],
  dup: [nic('10.1.2.3', '255.255.255.0')],
  none: undefined,
};

describe('selectInterfaces', () => {
  it('takes every non-internal IPv4 address once when none is configured', () => {
    expect(selectInterfaces(undefined, NICS).map((n) => n.address)).toEqual([
      '10.1.2.3',
      '192.168.7.20',
      '192.168.9.1',
    ]);
  });

  it('takes only the configured address, and nothing when this computer lacks it', () => {
    expect(selectInterfaces('192.168.9.1', NICS)).toEqual([
      { address: '192.168.9.1', netmask: '255.255.255.0' },
    ]);
    expect(selectInterfaces('10.9.9.9', NICS)).toEqual([]);
  });
});

describe('inSubnet', () => {
  it('compares under the interface netmask', () => {
    const eth = { address: '10.1.2.3', netmask: '255.255.255.0' };
    expect(inSubnet('10.1.2.200', eth)).toBe(true);
    expect(inSubnet('10.1.3.1', eth)).toBe(false);
    expect(inSubnet('192.168.200.1', { address: '192.168.7.20', netmask: '255.255.0.0' })).toBe(true);
    expect(inSubnet('::1', eth)).toBe(false);
    expect(inSubnet('not an address', eth)).toBe(false);
  });
});

describe('asksFor', () => {
  const nodeId = '6f1c1c8e-9a7e-4a43-8d43-2a9f8f1d2b11';

  it('recognises a browse of the service type and questions for this instance', () => {
    expect(asksFor([{ name: SERVICE_TYPE, type: 'PTR' }], nodeId)).toBe(true);
    expect(asksFor([{ name: '_UCMesh._TCP.local', type: 'ANY' }], nodeId)).toBe(true);
    expect(asksFor([{ name: `${nodeId}.${SERVICE_TYPE}`, type: 'SRV' }], nodeId)).toBe(true);
  });

  it('ignores other services, other instances and malformed questions', () => {
    expect(asksFor([{ name: '_http._tcp.local', type: 'PTR' }], nodeId)).toBe(false);
    expect(asksFor([{ name: SERVICE_TYPE, type: 'A' }], nodeId)).toBe(false);
    expect(asksFor([{ name: `other.${SERVICE_TYPE}`, type: 'TXT' }], nodeId)).toBe(false);
    expect(asksFor([null, 3, { name: 5 }], nodeId)).toBe(false);
    expect(asksFor('x', nodeId)).toBe(false);
  });
});
