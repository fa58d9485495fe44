import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import type { EncryptionMode } from '../../src/mesh/link/encryption-mode.js';
import type { LinkService } from '../../src/mesh/link/link.service.js';
import { isMeshHello } from '../../src/mesh/link/mesh-hello-sniffer.js';
import { OnMeshRequest, type MeshMessageContext } from '../../src/mesh/link/on-mesh-message.decorator.js';
import type { MeshModuleOptions } from '../../src/mesh/mesh-module.options.js';
import { meshCluster } from '../helpers/mesh-cluster.js';
import { tempDataDir } from '../helpers/node-process.js';
import { makeTestPki, writePem } from '../helpers/test-pki.js';

type TlsFiles = NonNullable<MeshModuleOptions['tls']>;

/** Bound for a line client's answer. */
const CLIENT_LIMIT_MS = 15_000;

@Injectable()
class WhoAsks {
  @OnMeshRequest('node.who-asks')
  whoAsks(payload: unknown, context: MeshMessageContext): unknown {
    return { asker: context.fromNodeId, payload };
  }
}

/**
 * A UC server's own clients port, as a host application runs it: its clients speak a line
 * protocol (`PING` → `PONG`); a connection whose first bytes are a mesh hello is handed to the
 * mesh, which the host attaches once its application has started.
 */
class UcClientsPort {
  readonly handedOver: Buffer[] = [];
  readonly clientLines: string[] = [];
  link?: LinkService;
  private readonly clients = new Set<Socket>();

  private constructor(private readonly server: Server) {
    server.on('connection', (socket) => this.sniff(socket));
  }

  static async open(): Promise<UcClientsPort> {
    const server = createServer({ noDelay: true });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new UcClientsPort(server);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  private sniff(socket: Socket): void {
    let head = Buffer.alloc(0);
    const onError = () => socket.destroy();
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const hello = isMeshHello(head);
      if (hello === undefined) return; // read more
      socket.off('data', onData);
      socket.off('error', onError);
      if (hello && this.link) {
        this.handedOver.push(head);
        this.link.acceptSocket(socket, head);
      } else this.serve(socket, head);
    };
    socket.on('data', onData);
    socket.on('error', onError);
  }

  /** The host's own protocol. */
  private serve(socket: Socket, head: Buffer): void {
    this.clients.add(socket);
    socket.on('close', () => this.clients.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = '';
    const onData = (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        const line = pending.slice(0, end);
        pending = pending.slice(end + 1);
        this.clientLines.push(line);
        socket.write(line === 'PING' ? 'PONG\n' : 'ERR unknown command\n');
      }
    };
    socket.on('data', onData);
    onData(head);
  }

  /** Stops listening and drops its own clients; handed-over sockets close with their node. */
  close(): void {
    this.server.close();
    for (const client of this.clients) client.destroy();
  }
}

/** A UC client: sends `lines` (each write separately) and resolves with the first answer line. */
async function lineClient(port: number, ...writes: string[]): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port });
  try {
    await once(socket, 'connect');
    for (const text of writes) socket.write(text);
    let received = '';
    const timeout = AbortSignal.timeout(CLIENT_LIMIT_MS);
    while (!received.includes('\n')) {
      const [chunk] = (await once(socket, 'data', { signal: timeout })) as [Buffer];
      received += chunk.toString('latin1');
    }
    return received.slice(0, received.indexOf('\n'));
  } finally {
    socket.destroy();
  }
}

describe('a host owns the clients port (listen: false) and hands mesh peers over', () => {
  const cluster = meshCluster();
  const ports: UcClientsPort[] = [];
  let files: { dialer: TlsFiles; acceptor: TlsFiles };

  beforeAll(async () => {
    const pki = await makeTestPki();
    const dir = await tempDataDir();
    const caFile = join(dir, 'ca-cert.pem');
    await writeFile(caFile, pki.ca.cert);
    const [dialer, acceptor] = await Promise.all([
      pki.issue('uc-a.test').then((pair) => writePem(dir, 'dialer', pair)),
      pki.issue('uc-b.test').then((pair) => writePem(dir, 'acceptor', pair)),
    ]);
    files = { dialer: { ...dialer, caFile }, acceptor: { ...acceptor, caFile } };
  });

  afterEach(() => {
    for (const port of ports.splice(0)) port.close();
  });

  /** Node B behind a host's clients port. */
  async function hostedNode(encryption: EncryptionMode) {
    const clientsPort = await UcClientsPort.open();
    ports.push(clientsPort);
    const node = await cluster.start(
      { listen: false, port: clientsPort.port, encryption, tls: files.acceptor },
      [WhoAsks],
    );
    clientsPort.link = node.link;
    return { node, clientsPort };
  }

  it.each<[EncryptionMode, 'tcp' | 'tls']>([
    ['none', 'tcp'],
    ['starttls-optional', 'tls'],
  ])(
    'encryption %s: a node dials the advertised port and links over %s; UC clients still get answers',
    async (encryption, transport) => {
      const { node: b, clientsPort } = await hostedNode(encryption);
      expect(b.link.isListening).toBe(false);
      expect(b.link.port).toBe(clientsPort.port);
      // The host's clients are served before any peer arrives.
      await expect(lineClient(clientsPort.port, 'PING\n')).resolves.toBe('PONG');

      const a = await cluster.start({ encryption, tls: files.dialer }, [WhoAsks]);
      a.link.connect(b.target);
      const status = await a.untilStatus(b.target, 'connected');
      expect(status).toMatchObject({ direction: 'outbound', transport });
      await b.until('the inbound link at B', () => b.link.isLinked(a.nodeId));
      expect(b.link.linkedNodes()).toEqual([
        expect.objectContaining({ nodeId: a.nodeId, direction: 'inbound', transport }),
      ]);
      expect(a.link.linkedNodes()).toEqual([
        expect.objectContaining({ nodeId: b.nodeId, port: clientsPort.port, transport }),
      ]);
      expect(clientsPort.handedOver).toHaveLength(1);

      await expect(a.link.request(b.nodeId, 'node.who-asks', { n: 1 })).resolves.toEqual({
        asker: a.nodeId,
        payload: { n: 1 },
      });
      await expect(b.link.request(a.nodeId, 'node.who-asks', { n: 2 })).resolves.toEqual({
        asker: b.nodeId,
        payload: { n: 2 },
      });

      // The same port still serves the host's clients, whole lines or a line in pieces.
      await expect(lineClient(clientsPort.port, 'PING\n')).resolves.toBe('PONG');
      await expect(lineClient(clientsPort.port, 'P', 'IN', 'G\n')).resolves.toBe('PONG');
      await expect(lineClient(clientsPort.port, 'HELLO\n')).resolves.toBe('ERR unknown command');
      expect(clientsPort.clientLines).toEqual(['PING', 'PING', 'PING', 'HELLO']);
      expect(clientsPort.handedOver).toHaveLength(1);
      expect(a.link.isLinked(b.nodeId)).toBe(true);
    },
  );

  it('the node without a listener of its own dials others as usual, advertising the host port', async () => {
    const { node: b, clientsPort } = await hostedNode('starttls-optional');
    const c = await cluster.start({ encryption: 'starttls-optional', tls: files.dialer }, [WhoAsks]);
    b.link.connect(c.target);
    await expect(b.untilStatus(c.target, 'connected')).resolves.toMatchObject({
      direction: 'outbound',
      transport: 'tls',
    });
    await c.until('the inbound link at C', () => c.link.isLinked(b.nodeId));
    expect(c.link.linkedNodes()).toEqual([
      expect.objectContaining({ nodeId: b.nodeId, port: clientsPort.port, direction: 'inbound' }),
    ]);
    await expect(c.link.request(b.nodeId, 'node.who-asks', 'hi')).resolves.toEqual({
      asker: c.nodeId,
      payload: 'hi',
    });
    await expect(b.link.request(c.nodeId, 'node.who-asks', 'hi')).resolves.toEqual({
      asker: b.nodeId,
      payload: 'hi',
    });
    expect(clientsPort.handedOver).toEqual([]);
  });
});
