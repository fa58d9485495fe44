import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { errorMessage } from '../../common/describe-error.js';
import { MeshEventBus } from '../events/mesh-event-bus.js';
import type { StateChangedEvent } from '../events/mesh-events.js';
import { HOOK_ORDER, MeshHooks } from '../events/mesh-hooks.js';
import { NodeIdentityService } from '../identity/node-identity.service.js';
import { ConnectionManager } from '../link/connection-manager.js';
import { LinkService } from '../link/link.service.js';
import { MeshActivation } from '../link/mesh-activation.js';
import { MESH_CONFIG, type MeshConfig } from '../mesh-config.js';
import { PeerRegistryService } from '../registry/peer-registry.service.js';
import { SOFTWARE_VERSION } from '../software-version.js';
import { MeshStateService } from '../state/mesh-state.service.js';
import {
  encodeLinkReport,
  LINK_REPORTS_MAP,
  type LinkReport,
  readLinkReport,
  reportsNewTimeout,
  rttToPublish,
} from './link-report.js';
import type { MeshTopology } from './mesh-topology.js';
import { assembleTopology } from './topology-assembly.js';
import { tenths } from '../../common/tenths.js';

/** Changes of a burst (every link closing at once, a snapshot's entries) make one update. */
const SETTLE_MS = 100;
/**
 * How often round trips are looked at again: only one that moved notably (`publishedRtt`) goes
 * out, so a steady mesh sends nothing.
 */
const RTT_REFRESH_MS = 60_000;
/** How long an assembled topology answers `topology()` while nothing changed: its own round trips age. */
const CACHE_MS = 1000;

/**
 * The whole mesh from this node: every node shares its own link table (peer, state, reason,
 * transport, round trip, since) through `MeshStateService` (map `mesh.links`, keyed by peer node
 * ID) — sent to each linked peer on link-up and whenever an entry changes, a round trip only when
 * it moved notably — and this node assembles everyone's tables into `MeshTopology`.
 * `mesh.topology.changed` tells each change. Only the tables of nodes linked now are used (a
 * peer's table is the peer's claim about its own links; this node's links are its own table's).
 * It follows the mesh's own hooks (`HOOK_ORDER.topology`: after the registry and the link table
 * took a change in), never the host's events: a node list change, a link up or down, the mesh
 * (de)activated, a peer's table changed. Assembling is quadratic in the mesh (a 32-node mesh is
 * 961 reports): it happens when asked (`topology()`, cached until something changes) and, on a
 * change, only while the host listens to `mesh.topology.changed` — a forming mesh of many nodes
 * would otherwise spend most of its CPU assembling views nobody looks at.
 */
@Injectable()
export class MeshTopologyService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('MeshTopology');
  private timer?: NodeJS.Timeout;
  private refresher?: NodeJS.Timeout;
  private last = '';
  private cached?: { topology: MeshTopology; at: number };
  /** This node's own table may have changed since it was last published. */
  private ownChanged = true;
  /** Until bootstrap nothing is scheduled: the first refresh comes then. */
  private started = false;
  private stopped = false;

  constructor(
    @Inject(MESH_CONFIG) private readonly config: MeshConfig,
    private readonly identity: NodeIdentityService,
    private readonly link: LinkService,
    private readonly connections: ConnectionManager,
    private readonly registry: PeerRegistryService,
    private readonly state: MeshStateService,
    private readonly bus: MeshEventBus,
    hooks: MeshHooks,
    activation: MeshActivation,
  ) {
    const changed = (): void => this.schedule(true);
    const name = 'MeshTopologyService';
    hooks.nodeChanged.add(name, HOOK_ORDER.topology, changed);
    hooks.linkUp.add(name, HOOK_ORDER.topology, changed);
    hooks.linkDown.add(name, HOOK_ORDER.topology, changed);
    hooks.stateChanged.add(name, HOOK_ORDER.topology, (change) => this.onStateChanged(change));
    activation.changed.add(name, HOOK_ORDER.topology, changed);
  }

  onApplicationBootstrap(): void {
    this.started = true;
    this.refresher = setInterval(() => this.refresh(true), RTT_REFRESH_MS);
    this.refresher.unref();
    this.schedule(true);
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.refresher);
  }

  /** The mesh as this node sees it now; this node's links with their round trips of the last second. */
  topology(): MeshTopology {
    const cached = this.cached;
    if (cached && performance.now() - cached.at < CACHE_MS) return cached.topology;
    const topology = this.assemble();
    this.cached = { topology, at: performance.now() };
    return topology;
  }

  private assemble(): MeshTopology {
    const self = this.identity.nodeId;
    const reports = new Map<string, Map<string, LinkReport>>();
    for (const entry of this.state.entries(LINK_REPORTS_MAP)) {
      // A node not linked now may have been cut off since it wrote: its table is not its present.
      if (entry.nodeId === self || !this.link.isLinked(entry.nodeId)) continue;
      const report = readLinkReport(entry.nodeId, entry.key, entry.value);
      if (!report) continue;
      let table = reports.get(entry.nodeId);
      if (!table) reports.set(entry.nodeId, (table = new Map<string, LinkReport>()));
      table.set(entry.key, report);
    }
    return assembleTopology({
      self: { nodeId: self, host: this.config.host, port: this.link.port, version: SOFTWARE_VERSION },
      own: this.ownTable((_peer, rtt) => rtt),
      reports,
    });
  }

  /**
   * A peer's table changed (this node's own changes are this service's doing). When it lost a node
   * for want of an answer, this node probes that node at once: a quiet link probes only every
   * `links / idleProbesPerSecond` s, so the first node to notice a frozen peer makes the others check.
   */
  private onStateChanged(change: StateChangedEvent): void {
    if (change.map !== LINK_REPORTS_MAP || change.nodeId === this.identity.nodeId) return;
    this.schedule(false);
    const { nodeId: reporter, key: peer } = change;
    if (peer !== this.identity.nodeId && reportsNewTimeout(reporter, peer, change.value, change.previous)) {
      if (this.link.probe(peer)) this.logger.log(`probing ${peer}: ${reporter} reports it stopped answering`);
    }
  }

  /** `own`: this node's table may have changed (its list, links, activation), not only a peer's. */
  private schedule(own: boolean): void {
    this.cached = undefined;
    if (own) this.ownChanged = true;
    if (!this.started || this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh();
    }, SETTLE_MS);
    this.timer.unref();
  }

  /**
   * Publishes what changed of this node's table (when its own inputs changed: a forming mesh's
   * peers change their tables a thousand times, this node's own only with its links), and tells a
   * changed topology. Round trips that
   * moved go out only with the periodic refresh (`rtts`): a refresh for an event (a peer's table
   * changed) that also sent them would make the peers refresh and send theirs — on a loaded
   * machine, where round trips jump, a storm that fed on the load it made.
   */
  private refresh(rtts = false): void {
    if (this.stopped) return;
    try {
      if (this.ownChanged || rtts) {
        this.publish(rtts);
        this.ownChanged = false;
      }
      if (!this.bus.listened('mesh.topology.changed')) return;
      const topology = this.topology();
      const digest = JSON.stringify(topology);
      if (digest === this.last) return;
      this.last = digest;
      this.bus.emit('mesh.topology.changed', topology);
    } catch (error: unknown) {
      this.logger.warn(`topology not updated: ${errorMessage(error)}`);
    }
  }

  /** This node's table into the shared map: set what differs (the state sends only that), drop the gone. */
  private publish(rtts: boolean): void {
    const self = this.identity.nodeId;
    const published = new Map(
      this.state.entries<{ rtt?: unknown }>(LINK_REPORTS_MAP, self).map((entry) => [entry.key, entry.value]),
    );
    const table = this.ownTable((peer, rtt) => {
      const value = published.get(peer)?.rtt;
      const before = typeof value === 'number' ? value : undefined;
      // The floor, not the smoothed one: on a loaded node the latter swings by tens of ms each
      // minute, and every swing would go to every peer (found at 32 nodes on two cores).
      const floor = this.connections.get(peer)?.floorRttMs;
      return rttToPublish(before, floor === undefined ? rtt : tenths(floor), rtts);
    });
    for (const [peer, report] of table) this.state.set(LINK_REPORTS_MAP, peer, encodeLinkReport(report));
    for (const peer of published.keys()) if (!table.has(peer)) this.state.delete(LINK_REPORTS_MAP, peer);
  }

  /**
   * This node's links by peer node ID: every listed node whose ID is known, and any node linked
   * without a list entry. `rtt` picks the round trip to show from the measured one.
   */
  private ownTable(
    rtt: (peer: string, measured: number | undefined) => number | undefined,
  ): Map<string, LinkReport> {
    const self = this.identity.nodeId;
    const table = new Map<string, LinkReport>();
    for (const node of this.registry.list()) {
      if (node.nodeId === null || node.nodeId === self || table.has(node.nodeId)) continue;
      const { status } = node;
      const connected = status.state === 'connected';
      const shown = connected ? rtt(node.nodeId, status.rttMs) : undefined;
      table.set(node.nodeId, {
        state: status.state,
        ...(status.reason !== undefined && { reason: status.reason }),
        ...(connected && status.transport !== undefined && { transport: status.transport }),
        ...(shown !== undefined && { rttMs: shown }),
        since: Date.parse(status.since) || 0,
        host: node.host,
        port: node.port,
        ...(status.version !== undefined && { version: status.version }),
      });
    }
    for (const linked of this.link.linkedNodes()) {
      if (table.has(linked.nodeId)) continue;
      table.set(linked.nodeId, {
        state: 'connected',
        transport: linked.transport,
        since: Date.parse(linked.since) || 0,
        host: linked.host,
        port: linked.port,
      });
    }
    return table;
  }
}
