import { decodeLinkFrame, Kind } from '../../src/mesh/link/link-frames.js';
import { DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES } from '../../src/mesh/wire/frame-decoder.js';

/** One captured packet: its bytes on the wire (Ethernet frame, from the link layer up) as far as captured. */
export interface CapturedPacket {
  data: Buffer;
  /** Its length on the wire (may exceed `data` when the capture cut it). */
  wireBytes: number;
}

const LINKTYPE_ETHERNET = 1;

/**
 * Splits a pcap stream (`tcpdump -w -`) into packets, chunk by chunk as they arrive. Ethernet
 * captures only (a veth or bridge port); microsecond or nanosecond, either byte order.
 */
export class PcapReader {
  private buffered: Buffer = Buffer.alloc(0);
  private littleEndian?: boolean;

  push(chunk: Buffer): CapturedPacket[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const packets: CapturedPacket[] = [];
    let offset = 0;
    if (this.littleEndian === undefined) {
      if (this.buffered.length < 24) return packets;
      const magic = this.buffered.readUInt32LE(0);
      if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) this.littleEndian = true;
      else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) this.littleEndian = false;
      else throw new Error(`not a pcap stream (magic ${magic.toString(16)})`);
      const linkType = this.u32(20) & 0xffff;
      if (linkType !== LINKTYPE_ETHERNET) throw new Error(`pcap link type ${linkType}, not Ethernet`);
      offset = 24;
    }
    while (this.buffered.length - offset >= 16) {
      const captured = this.u32(offset + 8);
      if (this.buffered.length - offset - 16 < captured) break;
      const data = this.buffered.subarray(offset + 16, offset + 16 + captured);
      packets.push({ data, wireBytes: this.u32(offset + 12) });
      offset += 16 + captured;
    }
    this.buffered = this.buffered.subarray(offset);
    return packets;
  }

  private u32(offset: number): number {
    return this.littleEndian ? this.buffered.readUInt32LE(offset) : this.buffered.readUInt32BE(offset);
  }
}

/** The IPv4 header fields of a packet the census needs; `undefined` for anything but IPv4 TCP/UDP. */
export interface IpPacket {
  protocol: 'tcp' | 'udp';
  source: string;
  destination: string;
  sourcePort: number;
  destinationPort: number;
  /** TCP sequence number (0 for UDP). */
  sequence: number;
  /** Transport payload: without Ethernet padding. */
  payload: Buffer;
}

export function parseIpPacket(data: Buffer): IpPacket | undefined {
  if (data.length < 14 + 20 || data.readUInt16BE(12) !== 0x0800) return undefined;
  const ip = data.subarray(14);
  const headerBytes = ((ip[0] as number) & 0x0f) * 4;
  const totalBytes = ip.readUInt16BE(2);
  const protocol = ip[9] === 6 ? 'tcp' : ip[9] === 17 ? 'udp' : undefined;
  if (!protocol || ip.length < headerBytes + (protocol === 'tcp' ? 20 : 8)) return undefined;
  const transport = ip.subarray(headerBytes, Math.min(ip.length, totalBytes));
  const address = (at: number) => Array.from(ip.subarray(at, at + 4)).join('.');
  const transportHeader = protocol === 'tcp' ? ((transport[12] as number) >> 4) * 4 : 8;
  return {
    protocol,
    source: address(12),
    destination: address(16),
    sourcePort: transport.readUInt16BE(0),
    destinationPort: transport.readUInt16BE(2),
    sequence: protocol === 'tcp' ? transport.readUInt32BE(4) : 0,
    payload: transport.subarray(transportHeader),
  };
}

/** Frames of one kind and topic: how many, their bytes (length prefix included) and their share of the wire. */
export interface FrameCount {
  frames: number;
  frameBytes: number;
  /** Frame bytes plus their share of the Ethernet, IP and TCP headers of the packets that carried them. */
  wireBytes: number;
}

/** What a census could not read as frames: bytes after a gap in a stream, or not a link frame. */
export interface Undecoded {
  payloadBytes: number;
  wireBytes: number;
}

/** `ping`, `message:<topic>`, `request:<topic>`, `reply`, `fault`, `close`: what a census counts frames by. */
export function frameLabel(body: Buffer): string | undefined {
  try {
    const frame = decodeLinkFrame(body);
    switch (frame[0]) {
      case Kind.Ping:
        return 'ping';
      case Kind.Message:
        return `message:${frame[1]}`;
      case Kind.Request:
        return `request:${frame[2]}`;
      case Kind.Reply:
        return 'reply';
      case Kind.Fault:
        return 'fault';
      case Kind.Close:
        return 'close';
    }
  } catch {
    return undefined;
  }
}

/** What a census counts TLS records by: a node links over TLS 1.3 unless told `MESH_ENCRYPTION=none`. */
export const TLS_RECORD = 'TLS record (encrypted)';
const TLS_HEADER_BYTES = 5;

/** Whether bytes begin with a TLS 1.2/1.3 application data record header (type 23, version 3.3). */
function isTlsRecord(bytes: Buffer): boolean {
  return bytes.length >= 3 && bytes[0] === 23 && bytes[1] === 3 && bytes[2] === 3;
}

interface Stream {
  /** A TLS stream: its records are counted, unread, instead of frames. */
  tls: boolean;
  /** Sequence number the next packet should start at. */
  next: number;
  /** Bytes of a frame begun in earlier packets, and the wire bytes they took. */
  pending: Buffer;
  pendingWire: number;
}

/**
 * Counts the link frames in the TCP payloads one host sent, by kind and topic (over TLS: its
 * records, which it cannot read). Each connection's
 * payloads are joined in sequence order, so a frame split over packets is read whole; a stream is
 * assumed to start at a frame boundary (at idle each write is one packet), and after a gap or a
 * retransmission the bytes held are counted as undecoded and reading starts afresh.
 */
export class MeshFrameCensus {
  readonly counts: Record<string, FrameCount> = {};
  readonly undecoded: Undecoded = { payloadBytes: 0, wireBytes: 0 };
  private readonly streams = new Map<string, Stream>();

  /** One TCP packet with data: `stream` names its connection and direction, `wireBytes` its whole Ethernet frame. */
  take(stream: string, sequence: number, payload: Buffer, wireBytes: number): void {
    if (payload.length === 0) return;
    let state = this.streams.get(stream);
    if (state && state.next !== sequence) {
      this.drop(state);
      state = undefined;
    }
    state ??= { tls: isTlsRecord(payload), next: sequence, pending: Buffer.alloc(0), pendingWire: 0 };
    this.streams.set(stream, state);
    state.next = (sequence + payload.length) >>> 0;
    // Every payload byte carries an equal share of the packet's headers.
    const wirePerByte = wireBytes / payload.length;
    const held = state.pending.length;
    const bytes = held === 0 ? payload : Buffer.concat([state.pending, payload]);
    let offset = 0;
    const headerBytes = state.tls ? TLS_HEADER_BYTES : FRAME_HEADER_BYTES;
    while (bytes.length - offset >= headerBytes) {
      const length = state.tls ? bytes.readUInt16BE(offset + 3) : bytes.readUInt32BE(offset);
      if (length > DEFAULT_MAX_FRAME_BYTES) {
        this.undecoded.payloadBytes += bytes.length - offset;
        this.undecoded.wireBytes += this.wireOf(offset, bytes.length, held, state.pendingWire, wirePerByte);
        offset = bytes.length;
        break;
      }
      const end = offset + headerBytes + length;
      if (end > bytes.length) break;
      const wire = this.wireOf(offset, end, held, state.pendingWire, wirePerByte);
      const label = state.tls ? TLS_RECORD : frameLabel(bytes.subarray(offset + headerBytes, end));
      if (label === undefined) {
        this.undecoded.payloadBytes += end - offset;
        this.undecoded.wireBytes += wire;
      } else {
        const count = (this.counts[label] ??= { frames: 0, frameBytes: 0, wireBytes: 0 });
        count.frames++;
        count.frameBytes += end - offset;
        count.wireBytes += wire;
      }
      offset = end;
    }
    state.pendingWire = this.wireOf(offset, bytes.length, held, state.pendingWire, wirePerByte);
    state.pending = Buffer.from(bytes.subarray(offset));
  }

  /** Ends the census: what is still held in partial frames counts as undecoded. */
  finish(): void {
    for (const state of this.streams.values()) this.drop(state);
    this.streams.clear();
  }

  private drop(state: Stream): void {
    this.undecoded.payloadBytes += state.pending.length;
    this.undecoded.wireBytes += state.pendingWire;
    state.pending = Buffer.alloc(0);
    state.pendingWire = 0;
  }

  /** Wire bytes of `[start, end)` of the joined bytes: the first `held` came with earlier packets. */
  private wireOf(start: number, end: number, held: number, heldWire: number, wirePerByte: number): number {
    const old = Math.max(0, Math.min(end, held) - start);
    return (held > 0 ? (heldWire * old) / held : 0) + (end - start - old) * wirePerByte;
  }
}
