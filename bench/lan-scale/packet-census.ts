import { type ChildProcess, spawn } from 'node:child_process';
import {
  type FrameCount,
  MeshFrameCensus,
  PcapReader,
  parseIpPacket,
  type Undecoded,
} from './mesh-frame-census.js';

/** Packets one node sent, by what they carried, with their bytes on the wire; its mesh link frames by topic. */
export interface PacketCensus {
  seconds: number;
  /** `payloadBytes`: TCP or UDP payload; `wireBytes`: the whole Ethernet frame. */
  kinds: Record<string, { packets: number; payloadBytes: number; wireBytes: number }>;
  /** Link frames in the mesh link data packets, by `ping`, `message:<topic>`, `request:<topic>`, `reply`, …; */
  frames: Record<string, FrameCount>;
  /** …and what of those packets could not be read as frames. */
  undecoded: Undecoded;
}

/**
 * `tcpdump` on a host's LAN interface, counting what the host sends: mesh link packets with data
 * (their frames decoded, by topic: the bench nodes link over plain TCP) and without (pure TCP
 * ACKs), admin API traffic, the LAN search (mDNS). Evidence for the idle cost: what it is made of.
 */
export class PacketCapture {
  private readonly kinds: PacketCensus['kinds'] = {};
  private readonly reader = new PcapReader();
  private readonly frames = new MeshFrameCensus();
  private readonly started = performance.now();
  private readonly exited: Promise<void>;
  private problem?: string;

  private constructor(
    private readonly child: ChildProcess,
    private readonly meshPort: number,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => this.take(chunk));
    this.exited = new Promise((done) => child.once('exit', () => done()));
  }

  /** Starts counting; tcpdump ends by itself after `limitSeconds` whatever happens. */
  static start(namespace: string, device: string, address: string, meshPort: number, limitSeconds: number) {
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        namespace,
        'timeout',
        String(limitSeconds),
        'tcpdump',
        '-i',
        device,
        '-nn',
        '-p',
        // Every packet written at once, in pcap form on stdout.
        '-U',
        '-w',
        '-',
        'src',
        'host',
        address,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return new PacketCapture(child, meshPort);
  }

  async stop(): Promise<PacketCensus> {
    const seconds = (performance.now() - this.started) / 1000;
    this.child.kill('SIGTERM');
    await this.exited;
    if (this.problem) throw new Error(`packet census: ${this.problem}`);
    this.frames.finish();
    return { seconds, kinds: this.kinds, frames: this.frames.counts, undecoded: this.frames.undecoded };
  }

  private take(chunk: Buffer): void {
    if (this.problem) return;
    try {
      for (const { data, wireBytes } of this.reader.push(chunk)) this.count(data, wireBytes);
    } catch (error: unknown) {
      this.problem = error instanceof Error ? error.message : String(error);
    }
  }

  private count(data: Buffer, wireBytes: number): void {
    const packet = parseIpPacket(data);
    let kind: string;
    if (!packet) kind = 'other';
    else if (packet.protocol === 'udp') {
      kind = [packet.sourcePort, packet.destinationPort].includes(5353) ? 'search (mDNS)' : 'other UDP';
    } else {
      const data = packet.payload.length > 0;
      if ([packet.sourcePort, packet.destinationPort].includes(this.meshPort)) {
        kind = data ? 'mesh link, data' : 'mesh link, pure ACK';
        const stream = `${packet.sourcePort}>${packet.destination}:${packet.destinationPort}`;
        if (data) this.frames.take(stream, packet.sequence, packet.payload, wireBytes);
      } else kind = data ? 'other TCP, data' : 'other TCP, pure ACK';
    }
    const entry = (this.kinds[kind] ??= { packets: 0, payloadBytes: 0, wireBytes: 0 });
    entry.packets++;
    entry.payloadBytes += packet?.payload.length ?? 0;
    entry.wireBytes += wireBytes;
  }
}
