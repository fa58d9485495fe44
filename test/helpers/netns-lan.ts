import { execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { promisify } from 'node:util';
import { reserveNeighbours, restoreNeighboursSync } from './neighbour-table.js';

const run = promisify(execFile);
const IP_LIMIT_MS = 10_000;
/** The host-side end of each cable, in its host's namespace (names are per namespace). */
const HOST_INTERFACE = 'lan0';
const BRIDGE = 'br0';
const NEEDS =
  'multi-host tests need Linux network namespaces: CI must run them as root (CAP_SYS_ADMIN, CAP_NET_ADMIN) ' +
  'with iproute2 installed (apt-get install -y iproute2)';

/** One computer of the test LAN: a network namespace with one cable to the switch. */
export interface LanHost {
  /** Network namespace to run the host's processes in (`ip netns exec <namespace> …`). */
  namespace: string;
  /** Its IPv4 address on the LAN, e.g. `10.93.17.1`. */
  address: string;
  /** Its interface to the LAN, inside `namespace`. */
  interface: string;
}

export interface Lan {
  readonly hosts: LanHost[];
  /** The LAN's `/24`, e.g. `10.93.17.0/24`. */
  readonly subnet: string;
  /** Plugs (`true`) or pulls (`false`) the host's cable at the switch. */
  setLinkUp(host: LanHost, up: boolean): Promise<void>;
  /** Deletes every namespace of this LAN; safe to call more than once. */
  destroy(): Promise<void>;
}

let lanCount = 0;
const live = new Set<NetnsLan>();
let exitHookInstalled = false;

/**
 * A LAN of `hosts` computers built from Linux network namespaces, for multi-host tests.
 *
 * Layout: one "switch" namespace holding a bridge (`br0`, multicast snooping off, so multicast
 * floods like on a dumb switch), and per host a namespace with a veth cable: `lan0` in the host
 * namespace, `host<i>` in the switch namespace, enslaved to the bridge. Nothing is created in
 * the root namespace, so the machine's real interfaces, routes and firewall are never touched.
 *
 * Addressing: a random `10.<x>.<y>.0/24` per LAN, host `i` (1-based) at `10.<x>.<y>.<i>`. The
 * namespaces have no link to the outside at all and no default route, so even a subnet that
 * happens to match a real one carries no traffic beyond the test's own namespaces. Multicast
 * (mDNS, 224.0.0.251) is routed with `224.0.0.0/4 dev lan0` in every host namespace, since
 * without a default route the kernel would otherwise find no route for it.
 *
 * Names carry the PID, a counter and random bits, so parallel runs and leftovers of a killed
 * run cannot clash. Fails with an error naming what is missing (root, iproute2, netns support):
 * tests that need it fail rather than skip.
 */
export async function createLan(hosts: number, options: { name?: string } = {}): Promise<Lan> {
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > 254) {
    throw new Error(`createLan: hosts must be an integer from 1 to 254, not ${hosts}`);
  }
  await preflight();
  const prefix = `${options.name ?? 'ucmesh'}-${process.pid}-${++lanCount}-${randomBytes(2).toString('hex')}`;
  const net = `10.${randomInt(0, 256)}.${randomInt(0, 256)}`;
  const lan = new NetnsLan(`${prefix}-sw`, `${net}.0/24`);
  live.add(lan);
  installExitHook();
  try {
    // Every host may need every other one's address resolved (see neighbour-table.ts).
    lan.releaseNeighbours = await reserveNeighbours(hosts * (hosts - 1));
    await lan.addNamespace(lan.switchNamespace);
    await ip('-n', lan.switchNamespace, 'link', 'add', BRIDGE, 'type', 'bridge', 'mcast_snooping', '0');
    await ip('-n', lan.switchNamespace, 'link', 'set', BRIDGE, 'up');
    for (let i = 1; i <= hosts; i++) {
      const host: LanHost = {
        namespace: `${prefix}-h${i}`,
        address: `${net}.${i}`,
        interface: HOST_INTERFACE,
      };
      const port = `host${i}`;
      await lan.addNamespace(host.namespace);
      // Created inside the switch namespace and moved straight into the host's: never in the root one.
      await ip(
        '-n',
        lan.switchNamespace,
        'link',
        'add',
        port,
        'type',
        'veth',
        'peer',
        'name',
        HOST_INTERFACE,
        'netns',
        host.namespace,
      );
      await ip('-n', lan.switchNamespace, 'link', 'set', port, 'master', BRIDGE);
      await ip('-n', lan.switchNamespace, 'link', 'set', port, 'up');
      await ip('-n', host.namespace, 'addr', 'add', `${host.address}/24`, 'dev', HOST_INTERFACE);
      await ip('-n', host.namespace, 'link', 'set', HOST_INTERFACE, 'up');
      await ip('-n', host.namespace, 'route', 'add', '224.0.0.0/4', 'dev', HOST_INTERFACE);
      lan.add(host, port);
    }
  } catch (error: unknown) {
    await lan.destroy();
    throw new Error(`createLan failed: ${message(error)}\n${NEEDS}`, { cause: error });
  }
  return lan;
}

class NetnsLan implements Lan {
  readonly hosts: LanHost[] = [];
  /** Every namespace made, switch first. */
  private readonly namespaces: string[] = [];
  private readonly ports = new Map<string, string>();
  private destroyed?: Promise<void>;
  releaseNeighbours?: () => Promise<void>;

  constructor(
    readonly switchNamespace: string,
    readonly subnet: string,
  ) {}

  async addNamespace(name: string): Promise<void> {
    await ip('netns', 'add', name);
    this.namespaces.push(name);
    await ip('-n', name, 'link', 'set', 'lo', 'up');
  }

  add(host: LanHost, port: string): void {
    this.hosts.push(host);
    this.ports.set(host.namespace, port);
  }

  async setLinkUp(host: LanHost, up: boolean): Promise<void> {
    const port = this.ports.get(host.namespace);
    if (port === undefined) throw new Error(`host ${host.namespace} is not on this LAN`);
    await ip('-n', this.switchNamespace, 'link', 'set', port, up ? 'up' : 'down');
  }

  destroy(): Promise<void> {
    this.destroyed ??= (async () => {
      live.delete(this);
      // Hosts first: deleting a namespace also deletes the veth ends in it.
      for (const name of [...this.namespaces].reverse()) {
        await ip('netns', 'delete', name).catch((error: unknown) => {
          if (!/No such file|does not exist/i.test(message(error))) throw error;
        });
      }
      await this.releaseNeighbours?.();
    })();
    return this.destroyed;
  }

  /** For the exit hook, which cannot wait for promises. */
  destroySync(): void {
    for (const name of [...this.namespaces].reverse()) {
      try {
        execFileSync('ip', ['netns', 'delete', name], { stdio: 'ignore', timeout: IP_LIMIT_MS });
      } catch {
        // best effort: the process is exiting
      }
    }
  }
}

async function preflight(): Promise<void> {
  if (process.platform !== 'linux')
    throw new Error(`createLan: Linux required, not ${process.platform}\n${NEEDS}`);
  if (process.getuid?.() !== 0) {
    throw new Error(`createLan: not running as root (uid ${process.getuid?.()})\n${NEEDS}`);
  }
  try {
    await ip('-V');
  } catch (error: unknown) {
    throw new Error(`createLan: the "ip" command (iproute2) is not usable: ${message(error)}\n${NEEDS}`, {
      cause: error,
    });
  }
}

async function ip(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('ip', args, { timeout: IP_LIMIT_MS });
    return stdout;
  } catch (error: unknown) {
    const stderr = (error as { stderr?: unknown }).stderr;
    const detail = typeof stderr === 'string' && stderr.trim() !== '' ? stderr.trim() : message(error);
    throw new Error(`ip ${args.join(' ')}: ${detail}`, { cause: error });
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const lan of live) lan.destroySync();
    restoreNeighboursSync();
  });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
