import { type ChildProcess, spawn } from 'node:child_process';

/** Packets one node sent, by what they carried; wire bytes estimated from the payloads. */
export interface PacketCensus {
  seconds: number;
  kinds: Record<string, { packets: number; payloadBytes: number; wireBytes: number }>;
}

/** Ethernet 14 + IPv4 20 + TCP 20 + timestamps option 12; UDP: 14 + 20 + 8. */
const TCP_OVERHEAD = 66;
const UDP_OVERHEAD = 42;

/**
 * `tcpdump` on a host's LAN interface, counting what the host sends: mesh link packets with data
 * (TLS records of frames) and without (pure TCP ACKs), admin API traffic, the LAN search (mDNS).
 * Evidence for the idle cost: which packets it is made of.
 */
export class PacketCapture {
  private readonly census: PacketCensus['kinds'] = {};
  private partial = '';
  private readonly started = performance.now();
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly meshPort: number,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => this.take(chunk.toString()));
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
        '-q',
        '-l',
        '-p',
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
    return { seconds, kinds: this.census };
  }

  private take(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.count(line);
  }

  /** `… IP 10.0.0.2.7222 > 10.0.0.1.40312: tcp 63` or `… > 224.0.0.251.5353: UDP, length 120`. */
  private count(line: string): void {
    const match = /IP (\S+)\.(\d+) > (\S+)\.(\d+): (tcp (\d+)|UDP, length (\d+))/.exec(line);
    if (!match) return;
    const ports = [Number(match[2]), Number(match[4])];
    const udp = match[7] !== undefined;
    const payload = Number(udp ? match[7] : match[6]);
    let kind: string;
    if (udp) kind = ports.includes(5353) ? 'search (mDNS)' : 'other UDP';
    else if (ports.includes(this.meshPort)) kind = payload > 0 ? 'mesh link, data' : 'mesh link, pure ACK';
    else kind = payload > 0 ? 'other TCP, data' : 'other TCP, pure ACK';
    const entry = (this.census[kind] ??= { packets: 0, payloadBytes: 0, wireBytes: 0 });
    entry.packets++;
    entry.payloadBytes += payload;
    entry.wireBytes += payload + (udp ? UDP_OVERHEAD : TCP_OVERHEAD);
  }
}
