import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { LanHost } from '../helpers/netns-lan.js';

const run = promisify(execFile);
const START_LIMIT_MS = 10_000;
const STOP_LIMIT_MS = 5000;
/**
 * Listens for multicast DNS in a namespace and prints each packet as a JSON line. It only
 * listens: it never sends. reuseAddr lets it share port 5353 with a node in the same namespace.
 */
const SNIFF_SCRIPT = `
import dgram from 'node:dgram';
const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
socket.on('error', (error) => { process.stderr.write(String(error)); process.exit(2); });
socket.on('message', (message, from) =>
  process.stdout.write(JSON.stringify({ from: from.address, hex: message.toString('hex') }) + '\\n'));
socket.bind(5353, '0.0.0.0', () => {
  socket.addMembership('224.0.0.251', process.env.SNIFF_ADDRESS);
  process.stdout.write('{"ready":true}\\n');
});
process.on('SIGTERM', () => socket.close(() => process.exit(0)));
`;

/** A multicast DNS packet heard on the LAN. */
export interface HeardPacket {
  from: string;
  bytes: Buffer;
  at: number;
}

/** A passive listener for multicast DNS (224.0.0.251:5353) on one host of a test LAN. */
export class MdnsSniffer {
  private readonly heard: HeardPacket[] = [];
  private buffered = '';
  private ready = false;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => this.read(chunk.toString()));
    this.exited = new Promise((done) => child.once('exit', () => done()));
  }

  /** Starts listening on `host`'s LAN interface; resolves once the group is joined. */
  static async start(host: LanHost): Promise<MdnsSniffer> {
    const child = spawn(
      'ip',
      ['netns', 'exec', host.namespace, process.execPath, '--input-type=module', '-e', SNIFF_SCRIPT],
      { env: { PATH: process.env.PATH, SNIFF_ADDRESS: host.address }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let errors = '';
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const sniffer = new MdnsSniffer(child);
    const deadline = Date.now() + START_LIMIT_MS;
    while (!sniffer.ready) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`mDNS sniffer did not start in ${host.namespace}: ${errors}`);
      }
      await new Promise((done) => setTimeout(done, 20));
    }
    return sniffer;
  }

  /** Packets heard so far, optionally only those from `address` and after `since` (ms). */
  packets(filter: { from?: string; since?: number } = {}): HeardPacket[] {
    return this.heard.filter(
      (packet) =>
        (filter.from === undefined || packet.from === filter.from) &&
        (filter.since === undefined || packet.at >= filter.since),
    );
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_LIMIT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private read(text: string): void {
    this.buffered += text;
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      const parsed = JSON.parse(line) as { ready?: boolean; from?: string; hex?: string };
      if (parsed.ready) this.ready = true;
      else if (parsed.from !== undefined && parsed.hex !== undefined)
        this.heard.push({ from: parsed.from, bytes: Buffer.from(parsed.hex, 'hex'), at: Date.now() });
    }
  }
}

/**
 * What listens for multicast DNS inside a namespace: UDP sockets on port 5353 (`ss`) and whether
 * the LAN interface has joined the mDNS group (`ip maddr`).
 */
export async function mdnsListeners(host: LanHost): Promise<{ sockets: string[]; joined: boolean }> {
  const [{ stdout: sockets }, { stdout: groups }] = await Promise.all([
    run('ip', ['netns', 'exec', host.namespace, 'ss', '-H', '-u', '-a', '-n', 'sport = :5353']),
    run('ip', ['-n', host.namespace, 'maddr', 'show', 'dev', host.interface]),
  ]);
  return {
    sockets: sockets.split('\n').filter((line) => line.trim() !== ''),
    joined: /\b224\.0\.0\.251\b/.test(groups),
  };
}
