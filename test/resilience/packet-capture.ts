import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const START_LIMIT_MS = 15_000;
const STOP_LIMIT_MS = 15_000;
/** pcap link types tcpdump may report for `lo`. */
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_LINUX_SLL = 113;

/** One TCP segment, in capture order. */
export interface Segment {
  from: string;
  to: string;
  seq: number;
  syn: boolean;
  payload: Buffer;
}

export interface Capture {
  /** The pcap file as written by tcpdump, headers and all. */
  raw: Buffer;
  file: string;
  packets: number;
  segments: Segment[];
}

/**
 * Debian's tcpdump on `lo`, writing every packet to or from `ports` (TCP) into a pcap file. It
 * must really run: a test that cannot capture fails here, it never passes on an empty file.
 */
export class PacketCapture {
  private stderr = '';
  private readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly file: string,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((done) => child.once('exit', (code) => done(code)));
  }

  /** Starts tcpdump and waits until it listens. */
  static async start(dir: string, ports: number[]): Promise<PacketCapture> {
    if (ports.length === 0) throw new Error('a capture needs the ports to capture');
    const file = join(dir, `capture-${ports.join('-')}.pcap`);
    const filter = `tcp and (${ports.map((port) => `port ${port}`).join(' or ')})`;
    // --immediate-mode: without it, packets still in the kernel's ring when SIGINT comes never
    // reach the file (seen: 0 of 30). -B: an 8 MiB kernel buffer; -U: each packet written at
    // once; -s 0: whole packets; -Z root: keep writing into our own 0700 temp dir instead of
    // dropping to the tcpdump user.
    const child = spawn(
      'tcpdump',
      [
        '-i',
        'lo',
        '--immediate-mode',
        '-B',
        '8192',
        '-nn',
        '-U',
        '-s',
        '0',
        '-Z',
        'root',
        '-w',
        file,
        filter,
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const capture = new PacketCapture(child, file);
    const spawned = new Promise<void>((done, fail) => {
      child.once('spawn', done);
      child.once('error', (error) => fail(new Error(`tcpdump cannot start: ${error.message}`)));
    });
    await spawned;
    const deadline = Date.now() + START_LIMIT_MS;
    while (!/listening on lo/.test(capture.stderr)) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `tcpdump exited at start (${child.exitCode ?? child.signalCode}):\n${capture.stderr}`,
        );
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`tcpdump not listening within ${START_LIMIT_MS} ms:\n${capture.stderr}`);
      }
      await new Promise((done) => setTimeout(done, 20));
    }
    return capture;
  }

  /** Stops tcpdump (SIGINT flushes the file) and reads what it captured. */
  async stop(): Promise<Capture> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, fail) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        fail(new Error(`tcpdump did not stop within ${STOP_LIMIT_MS} ms:\n${this.stderr}`));
      }, STOP_LIMIT_MS);
    });
    const code = await Promise.race([this.exited, limit]).finally(() => clearTimeout(timer));
    if (code !== 0) throw new Error(`tcpdump ended with ${code}:\n${this.stderr}`);
    // Kernel drops are not checked here: they count other programs' packets too, taken before
    // the filter was in place. Each stream's sequence numbers tell whether anything of it is missing.
    const captured = /(\d+) packets? captured/.exec(this.stderr)?.[1];
    if (captured === undefined) {
      throw new Error(`tcpdump did not report its counts:\n${this.stderr}`);
    }
    const raw = await readFile(this.file);
    const packets = countPackets(raw);
    if (packets !== Number(captured)) {
      throw new Error(`tcpdump captured ${captured} packets, its file holds ${packets}`);
    }
    return { raw, file: this.file, packets, segments: tcpSegments(raw) };
  }

  /** For cleanup after a failure: ends tcpdump without reading the file. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** One direction of one connection: its initial sequence number, the next one expected, the bytes. */
interface Stream {
  isn: number;
  next: number;
  chunks: Buffer[];
}

/**
 * Each direction of each TCP connection as one byte stream, put together by sequence number, so
 * text split over two segments is found too. Keys are `127.0.0.1:40000>127.0.0.1:7222`.
 * @throws when a stream was captured without its SYN or with a gap: an absence found in an
 *   incomplete capture would prove nothing.
 */
export function tcpStreams(capture: Capture): Map<string, Buffer> {
  /** Every stream by key, and the latest one of each port pair, which later segments belong to. */
  const streams = new Map<string, Stream>();
  const current = new Map<string, Stream>();
  for (const { from, to, seq, syn, payload } of capture.segments) {
    const pair = `${from}>${to}`;
    let stream = current.get(pair);
    // A SYN again with the same number is a retransmission; with another, a new connection
    // that reuses the port pair gets its own stream.
    if (syn && stream?.isn !== seq) {
      let key = pair;
      for (let n = 2; streams.has(key); n++) key = `${pair}#${n}`;
      stream = { isn: seq, next: (seq + 1) >>> 0, chunks: [] };
      streams.set(key, stream);
      current.set(pair, stream);
    }
    // A connection refused before the listener was up is a bare RST: no bytes, no stream.
    if (payload.length === 0) continue;
    if (!stream) throw new Error(`${pair} was captured without its start`);
    // Signed distance modulo 2^32: sequence numbers wrap.
    const ahead = (seq - stream.next) | 0;
    if (ahead > 0) throw new Error(`the capture lacks ${ahead} bytes of ${pair}`);
    // A retransmission repeats bytes already taken; only what lies beyond them is new.
    const fresh = payload.subarray(-ahead);
    if (fresh.length === 0) continue;
    stream.chunks.push(fresh);
    stream.next = (stream.next + fresh.length) >>> 0;
  }
  return new Map([...streams].map(([key, { chunks }]) => [key, Buffer.concat(chunks)]));
}

function* records(raw: Buffer): Generator<{ linkType: number; data: Buffer }> {
  if (raw.length < 24) throw new Error(`pcap file of ${raw.length} bytes has no header`);
  const magic = raw.readUInt32LE(0);
  // tcpdump writes in host order: microsecond (a1b2c3d4) or nanosecond (a1b23c4d) stamps.
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) {
    throw new Error(`not a little-endian pcap file (magic ${magic.toString(16)})`);
  }
  const linkType = raw.readUInt32LE(20);
  for (let at = 24; at < raw.length;) {
    if (at + 16 > raw.length) throw new Error('pcap file ends inside a record header');
    const captured = raw.readUInt32LE(at + 8);
    const original = raw.readUInt32LE(at + 12);
    if (captured !== original) throw new Error(`packet cut to ${captured} of ${original} bytes`);
    const data = raw.subarray(at + 16, at + 16 + captured);
    if (data.length !== captured) throw new Error('pcap file ends inside a packet');
    yield { linkType, data };
    at += 16 + captured;
  }
}

function countPackets(raw: Buffer): number {
  return [...records(raw)].length;
}

function tcpSegments(raw: Buffer): Segment[] {
  const segments: Segment[] = [];
  for (const { linkType, data } of records(raw)) {
    const ip = ipPayload(linkType, data);
    if (ip === undefined) continue;
    const version = ip[0]! >> 4;
    let tcp: Buffer;
    let source: string;
    let target: string;
    if (version === 4) {
      if (ip[9] !== 6) continue;
      const headerLength = (ip[0]! & 0x0f) * 4;
      tcp = ip.subarray(headerLength, ip.readUInt16BE(2));
      source = [...ip.subarray(12, 16)].join('.');
      target = [...ip.subarray(16, 20)].join('.');
    } else if (version === 6) {
      if (ip[6] !== 6) throw new Error('IPv6 extension headers are not expected on lo');
      tcp = ip.subarray(40, 40 + ip.readUInt16BE(4));
      source = ipv6(ip.subarray(8, 24));
      target = ipv6(ip.subarray(24, 40));
    } else {
      throw new Error(`IP version ${version} in the capture`);
    }
    const offset = (tcp[12]! >> 4) * 4;
    segments.push({
      from: `${source}:${tcp.readUInt16BE(0)}`,
      to: `${target}:${tcp.readUInt16BE(2)}`,
      seq: tcp.readUInt32BE(4),
      syn: (tcp[13]! & 0x02) !== 0,
      payload: Buffer.from(tcp.subarray(offset)),
    });
  }
  return segments;
}

function ipPayload(linkType: number, frame: Buffer): Buffer | undefined {
  const [etherType, header] =
    linkType === LINKTYPE_ETHERNET
      ? [frame.readUInt16BE(12), 14]
      : linkType === LINKTYPE_LINUX_SLL
        ? [frame.readUInt16BE(14), 16]
        : [undefined, 0];
  if (etherType === undefined) throw new Error(`unexpected pcap link type ${linkType}`);
  return etherType === 0x0800 || etherType === 0x86dd ? frame.subarray(header) : undefined;
}

function ipv6(bytes: Buffer): string {
  return `[${bytes.toString('hex').replace(/(.{4})(?!$)/g, '$1:')}]`;
}
