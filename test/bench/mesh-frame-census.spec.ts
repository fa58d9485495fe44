import { describe, expect, it } from '@jest/globals';
import {
  MeshFrameCensus,
  parseIpPacket,
  PcapReader,
  TLS_RECORD,
} from '../../bench/lan-scale/mesh-frame-census.js';
import { encodeLinkFrame } from '../../src/mesh/link/link-frames.js';

/** An Ethernet frame of an IPv4 TCP packet (20-byte headers), padded to Ethernet's 60-byte minimum. */
function tcpPacket(payload: Buffer, sequence = 1000, ports: [number, number] = [7222, 40312]): Buffer {
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(ports[0], 0);
  tcp.writeUInt16BE(ports[1], 2);
  tcp.writeUInt32BE(sequence, 4);
  tcp[12] = 5 << 4;
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 20 + payload.length, 2);
  ip[9] = 6;
  Buffer.from([10, 0, 0, 2]).copy(ip, 12);
  Buffer.from([10, 0, 0, 1]).copy(ip, 16);
  const ethernet = Buffer.alloc(14);
  ethernet.writeUInt16BE(0x0800, 12);
  const frame = Buffer.concat([ethernet, ip, tcp, payload]);
  return frame.length >= 60 ? frame : Buffer.concat([frame, Buffer.alloc(60 - frame.length)]);
}

/** A pcap stream (little-endian, µs, Ethernet) of `packets`. */
function pcap(packets: Buffer[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  const records = packets.map((packet) => {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(packet.length, 8);
    record.writeUInt32LE(packet.length, 12);
    return Buffer.concat([record, packet]);
  });
  return Buffer.concat([header, ...records]);
}

describe('PcapReader', () => {
  it('gives the same packets whether the stream arrives whole or byte by byte', () => {
    const packets = [
      tcpPacket(encodeLinkFrame.ping()),
      tcpPacket(Buffer.alloc(0)),
      tcpPacket(Buffer.alloc(300, 7)),
    ];
    const stream = pcap(packets);
    const whole = new PcapReader().push(stream);
    const reader = new PcapReader();
    const trickled = [...stream].flatMap((byte) => reader.push(Buffer.from([byte])));
    expect(whole.map((p) => p.data)).toEqual(packets);
    expect(trickled.map((p) => p.data)).toEqual(packets);
    expect(whole.map((p) => p.wireBytes)).toEqual(packets.map((p) => p.length));
  });

  it('refuses a stream that is not pcap', () => {
    expect(() => new PcapReader().push(Buffer.alloc(24, 1))).toThrow(/not a pcap stream/);
  });
});

describe('parseIpPacket', () => {
  it('reads ports and sequence and leaves the Ethernet padding out of the payload', () => {
    const packet = parseIpPacket(tcpPacket(Buffer.from([1, 2, 3]), 77, [7222, 5000]));
    expect(packet).toMatchObject({
      protocol: 'tcp',
      source: '10.0.0.2',
      destination: '10.0.0.1',
      sourcePort: 7222,
      destinationPort: 5000,
      sequence: 77,
    });
    expect(packet?.payload).toEqual(Buffer.from([1, 2, 3]));
  });

  it('ignores what is not IPv4', () => {
    const arp = Buffer.alloc(60);
    arp.writeUInt16BE(0x0806, 12);
    expect(parseIpPacket(arp)).toBeUndefined();
  });
});

describe('MeshFrameCensus', () => {
  it('counts frames by kind and topic, several in one packet, with all of the packet’s wire bytes', () => {
    const census = new MeshFrameCensus();
    const frames = [
      encodeLinkFrame.message('mesh.topology', { links: [1, 2, 3] }),
      encodeLinkFrame.request(7, 'mesh.state.pull', { since: 3 }),
      encodeLinkFrame.reply(7, { ok: true }),
      encodeLinkFrame.ping([1234.5]),
    ];
    const payload = Buffer.concat(frames);
    census.take('a', 1, payload, payload.length + 66);
    census.finish();
    expect(Object.keys(census.counts).sort()).toEqual([
      'message:mesh.topology',
      'ping',
      'reply',
      'request:mesh.state.pull',
    ]);
    expect(census.counts['message:mesh.topology']).toMatchObject({
      frames: 1,
      frameBytes: frames[0]?.length,
    });
    const wire = Object.values(census.counts).reduce((sum, count) => sum + count.wireBytes, 0);
    expect(wire).toBeCloseTo(payload.length + 66);
    expect(census.undecoded).toEqual({ payloadBytes: 0, wireBytes: 0 });
  });

  it('reads a frame split over two packets of its stream once, with the wire bytes of both parts', () => {
    const census = new MeshFrameCensus();
    const frame = encodeLinkFrame.message('state.entry', { value: 'x'.repeat(200) });
    const other = encodeLinkFrame.message('state.entry', { value: 'y' });
    census.take('a', 500, frame.subarray(0, 100), 166);
    // Another connection in between does not disturb it.
    census.take('b', 9, other, other.length + 66);
    census.take('a', 600, frame.subarray(100), frame.length - 100 + 66);
    census.finish();
    expect(census.counts['message:state.entry']).toEqual({
      frames: 2,
      frameBytes: frame.length + other.length,
      wireBytes: 166 + frame.length - 100 + 66 + other.length + 66,
    });
    expect(census.undecoded.payloadBytes).toBe(0);
  });

  it('counts the held part of a frame as undecoded after a gap, and reads on from the next packet', () => {
    const census = new MeshFrameCensus();
    const frame = encodeLinkFrame.message('t', 'z'.repeat(100));
    census.take('a', 0, frame.subarray(0, 50), 116);
    const ping = encodeLinkFrame.ping();
    census.take('a', 4000, ping, ping.length + 66);
    census.finish();
    expect(census.undecoded.payloadBytes).toBe(50);
    expect(census.undecoded.wireBytes).toBeCloseTo(116);
    expect(census.counts).toEqual({
      ping: { frames: 1, frameBytes: ping.length, wireBytes: ping.length + 66 },
    });
  });

  it('counts a well-framed body that is not a link frame, and a frame held at the end, as undecoded', () => {
    const census = new MeshFrameCensus();
    const junk = Buffer.from([0, 0, 0, 2, 0xc1, 0xc1]);
    const ping = encodeLinkFrame.ping();
    census.take('a', 0, Buffer.concat([junk, ping]), junk.length + ping.length);
    census.take('b', 0, Buffer.from([0, 0, 0, 9, 1]), 5);
    census.finish();
    expect(census.counts.ping?.frames).toBe(1);
    expect(census.undecoded).toEqual({ payloadBytes: junk.length + 5, wireBytes: junk.length + 5 });
  });

  it('counts the records of a TLS stream without reading them', () => {
    const census = new MeshFrameCensus();
    const record = (length: number) =>
      Buffer.concat([Buffer.from([23, 3, 3, length >> 8, length & 0xff]), Buffer.alloc(length, 9)]);
    const payload = Buffer.concat([record(40), record(300)]);
    census.take('a', 0, payload, payload.length + 66);
    census.finish();
    expect(census.counts).toEqual({
      [TLS_RECORD]: { frames: 2, frameBytes: payload.length, wireBytes: payload.length + 66 },
    });
  });
});
