import { createSocket, type Socket } from 'node:dgram';
import multicastDns from 'multicast-dns';
import type { MdnsFactory, MulticastDns } from '../../src/mesh/discovery/mdns-factory.js';

/** A UDP socket bound to a free port on 127.0.0.1. */
export async function loopbackUdp(address = '127.0.0.1'): Promise<Socket> {
  const socket = createSocket({ type: 'udp4', reuseAddr: false });
  await new Promise<void>((done, fail) => {
    socket.once('error', fail);
    socket.bind(0, address, () => {
      socket.off('error', fail);
      done();
    });
  });
  return socket;
}

/**
 * The real `multicast-dns` (dns-packet encoding and decoding included) on a loopback unicast
 * socket instead of the multicast group: it reads what arrives at `socket` and sends everything it
 * would multicast to 127.0.0.1:`sendTo`. Nothing joins a group, nothing leaves the machine.
 */
export function loopbackMdns(socket: Socket, sendTo: number): MulticastDns {
  return multicastDns({ socket, bind: false, multicast: false, ip: '127.0.0.1', port: sendTo });
}

/**
 * A factory for `DiscoveryService` that opens one loopback instance on `socket` (whatever the
 * service asks for: the group, port 5353, an interface) and refuses a second one.
 */
export function loopbackMdnsFactory(socket: Socket, sendTo: number): MdnsFactory & { opened?: MulticastDns } {
  const factory: MdnsFactory & { opened?: MulticastDns } = () => {
    if (factory.opened) throw new Error('the loopback multicast DNS socket is open already');
    factory.opened = loopbackMdns(socket, sendTo);
    return factory.opened;
  };
  return factory;
}

export function portOf(socket: Socket): number {
  return socket.address().port;
}
