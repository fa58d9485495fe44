import type { DynamicModule, INestApplicationContext, Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { NodeIdentityService } from '../../src/mesh/identity/node-identity.service.js';
import { LinkService } from '../../src/mesh/link/link.service.js';
import type { LinkStatus, LinkTarget } from '../../src/mesh/link/link-status.js';
import type { MeshModuleOptions } from '../../src/mesh/mesh-module.options.js';
import type { LinkErrorEvent, MeshEvents } from '../../src/mesh/events/mesh-events.js';
import type { CallDataEvents } from '../../src/calldata/calldata-events.js';

type InboundLinkError = Extract<LinkErrorEvent, { direction: 'inbound' }>;
import { MeshModule } from '../../src/mesh/mesh.module.js';
import { nodeDatabaseModule } from './node-database-module.js';
import { tempDataDir } from './node-process.js';
import type { TestDatabaseServer } from './test-database.js';

export interface MeshEvent {
  name: string;
  payload: Record<string, unknown>;
}

/** Every event the modules under test emit. */
type AllEvents = MeshEvents & CallDataEvents;

/** A recorded event of the modules' typed maps. */
export interface NamedMeshEvent<K extends keyof AllEvents> {
  name: K;
  payload: AllEvents[K];
}

/** A Nest application with MeshModule on a real database, its clients interface on loopback. */
export class MeshNode {
  readonly events: MeshEvent[] = [];

  private constructor(
    readonly app: INestApplicationContext,
    /** What it was started with, for a restart on the same database. */
    readonly setup: {
      url: string;
      options: Partial<MeshModuleOptions>;
      providers: Provider[];
      /** Feature modules on top of the mesh, e.g. `CallDataModule.forRoot()`. */
      imports?: DynamicModule[];
    },
  ) {
    app.get(EventEmitter2).onAny((name: string | string[], payload: Record<string, unknown>) => {
      this.events.push({ name: String(name), payload });
    });
  }

  static async start(
    database: TestDatabaseServer,
    options: Partial<MeshModuleOptions> = {},
    providers: Provider[] = [],
    imports: DynamicModule[] = [],
  ): Promise<MeshNode> {
    return MeshNode.startOn({ url: await database.createDatabase(), options, providers, imports });
  }

  /** Starts a node on an existing database: the same node after a restart. */
  static async startOn(setup: MeshNode['setup']): Promise<MeshNode> {
    const { url, options, providers, imports = [] } = setup;
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot(),
        nodeDatabaseModule(url),
        MeshModule.forRoot({
          host: '127.0.0.1',
          port: 0,
          bind: '127.0.0.1',
          meshId: 'test-mesh',
          password: 'test-password',
          encryption: 'none',
          discovery: false,
          dataDir: await tempDataDir(),
          acceptUnknownPeers: true,
          reconnectMinMs: 200,
          reconnectMaxMs: 1000,
          ...options,
        }),
        ...imports,
      ],
      providers,
    }).compile();
    moduleRef.useLogger(['error', 'warn']);
    // A node that fails to start (e.g. a handler refused at start) still closes its database.
    const app = await moduleRef.init().catch(async (error: unknown) => {
      await moduleRef.close().catch(() => undefined);
      throw error;
    });
    return new MeshNode(app, setup);
  }

  get link(): LinkService {
    return this.app.get(LinkService);
  }

  get nodeId(): string {
    return this.app.get(NodeIdentityService).nodeId;
  }

  get target(): LinkTarget {
    return { host: '127.0.0.1', port: this.link.port };
  }

  /** Recorded events of one name. */
  named<K extends keyof AllEvents>(name: K): Array<NamedMeshEvent<K>> {
    return this.events.filter((e) => e.name === name) as unknown as Array<NamedMeshEvent<K>>;
  }

  /** Inbound handshake failures this node reported, optionally of one reason. */
  inboundErrors(reason?: string): Array<{ name: 'mesh.link.error'; payload: InboundLinkError }> {
    return this.named('mesh.link.error').filter(
      (e): e is { name: 'mesh.link.error'; payload: InboundLinkError } =>
        e.payload.direction === 'inbound' && (reason === undefined || e.payload.reason === reason),
    );
  }

  /** Waits (bounded) until `predicate` holds, polling. */
  async until<T>(what: string, probe: () => T | undefined | false, limitMs = 15_000): Promise<T> {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const value = probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((done) => setTimeout(done, 20));
    }
  }

  /** Waits until the status of a dialled address is in `state` (and `reason`, when given). */
  untilStatus(target: LinkTarget, state: LinkStatus['state'], reason?: string): Promise<LinkStatus> {
    return this.until(`${target.host}:${target.port} ${state} ${reason ?? ''}`, () => {
      const status = this.link.status(target);
      return status?.state === state && (reason === undefined || status.reason === reason)
        ? status
        : undefined;
    });
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}
