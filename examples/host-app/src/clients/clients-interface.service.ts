import { createServer, type Server, type Socket } from 'node:net';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { isMeshHello, LinkService } from 'uc-mesh';
import { PresenceService } from '../presence/presence.service.js';

/**
 * The UC server's clients network interface: its UC clients connect here, and so do the other
 * servers of the mesh (MeshModule runs with `listen: false` and this port). The first bytes tell
 * them apart: a mesh hello goes to the mesh, everything else is a client of this server (here a
 * toy line protocol, `STATUS <user>`).
 */
@Injectable()
export class ClientsInterfaceService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ClientsInterfaceService.name);
  private readonly server: Server = createServer((socket) => this.sort(socket));

  constructor(
    private readonly config: ConfigService,
    private readonly mesh: LinkService,
    private readonly presence: PresenceService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = Number(this.config.get('MESH_PORT', 7222));
    const host = this.config.get<string>('MESH_BIND', '0.0.0.0');
    await new Promise<void>((done, fail) => this.server.once('error', fail).listen(port, host, done));
    this.logger.log(`clients network interface on ${host}:${port}`);
  }

  beforeApplicationShutdown(): Promise<void> {
    return new Promise((done) => this.server.close(() => done()));
  }

  private sort(socket: Socket): void {
    socket.on('error', () => socket.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const mesh = isMeshHello(head);
      if (mesh === undefined) return; // too few bytes to tell yet
      socket.off('data', onData);
      if (mesh) this.mesh.acceptSocket(socket, head);
      else this.serveClient(socket, head);
    };
    socket.on('data', onData);
  }

  private serveClient(socket: Socket, head: Buffer): void {
    let pending = head.toString('utf8');
    const answer = () => {
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        const [command, user] = pending.slice(0, end).trim().split(/\s+/);
        pending = pending.slice(end + 1);
        const status = command === 'STATUS' && user ? this.presence.get(user).status : undefined;
        socket.write(status === undefined ? 'ERR usage: STATUS <user>\n' : `${user} ${status}\n`);
      }
      // A client that never ends its line must not grow the buffer without bound.
      if (pending.length > 1024) socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      answer();
    });
    answer();
  }
}
