import type { Socket } from 'node:net';
import {
  connect,
  createSecureContext,
  createServer,
  type SecureContext,
  type Server,
  type TLSSocket,
} from 'node:tls';
import { LinkFailure } from './link-reason.js';
import { type CertificateExpiries, certificateExpiries } from '../tls/certificate-info.js';

/** Certificate material of this node's clients network interface. */
export class TlsSettings {
  /** True when MESH_TLS_CA is set: peer certificates must chain to it, in both directions. */
  readonly verifyPeers: boolean;
  readonly clientContext: SecureContext;
  /**
   * Never listens: upgraded sockets are handed to it, because only a tls.Server runs OpenSSL's
   * check of the client certificate (`authorized`, `authorizationError`).
   */
  private readonly server: Server;
  private readonly waiting = new Map<string, { done(secure: TLSSocket): void; fail(error: Error): void }>();

  constructor(material: { cert: string; key: string; ca?: string }) {
    this.verifyPeers = material.ca !== undefined;
    this.clientContext = createSecureContext(material);
    this.server = createServer({ ...material, requestCert: true, rejectUnauthorized: false });
    this.server.on('secureConnection', (secure: TLSSocket) =>
      this.waiting.get(peerKey(secure))?.done(secure),
    );
    this.server.on('tlsClientError', (error: Error, secure: TLSSocket) =>
      this.waiting.get(peerKey(secure))?.fail(error),
    );
  }

  /** Runs the server side of a TLS handshake on an accepted socket. */
  accept(socket: Socket): Promise<TLSSocket> {
    const key = peerKey(socket);
    if (socket.remoteAddress === undefined || this.waiting.has(key)) {
      return Promise.reject(new Error('the connection closed before TLS began'));
    }
    return new Promise<TLSSocket>((done, fail) => {
      this.waiting.set(key, { done, fail });
      this.server.emit('connection', socket);
    }).finally(() => this.waiting.delete(key));
  }
}

// The remote address and port tell concurrent upgrades on one listener apart.
function peerKey(socket: Socket | TLSSocket): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}

/** The peer's certificate and the session, as shown in a link's status; expiry of both certificates. */
export interface TlsDetails extends CertificateExpiries {
  protocol: string;
  cipher: string;
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  fingerprint256: string;
}

const EXPORTER_LABEL = 'EXPORTER-ucmesh-v1-auth';
const EXPORTER_BYTES = 32;

/**
 * Upgrades a socket to TLS in place (STARTTLS). Chain verification is checked here rather than by
 * OpenSSL's `rejectUnauthorized`, so that the side that distrusts the other can tell it why
 * before closing (see `untrustedPeer`).
 */
export async function upgradeToTls(
  socket: Socket,
  role: 'client' | 'server',
  settings: TlsSettings,
): Promise<{ secure: TLSSocket; exporter: Buffer }> {
  const secure =
    role === 'server'
      ? await settings.accept(socket).catch((error: Error) => Promise.reject(tlsFailure(error)))
      : await startClient(socket, settings);
  return { secure, exporter: secure.exportKeyingMaterial(EXPORTER_BYTES, EXPORTER_LABEL, Buffer.alloc(0)) };
}

function startClient(socket: Socket, settings: TlsSettings): Promise<TLSSocket> {
  const secure = connect({
    socket,
    secureContext: settings.clientContext,
    rejectUnauthorized: false,
    // Nodes are named by host names that need not be in their certificates; identity is the CA
    // chain (when set) and the mesh key bound to this session, not the name.
    checkServerIdentity: () => undefined,
  });
  return new Promise((done, fail) => {
    const onError = (error: Error) => fail(tlsFailure(error));
    secure.once('error', onError);
    secure.once('secureConnect', () => {
      secure.off('error', onError);
      done(secure);
    });
  });
}

/** Why this side does not trust the peer's certificate, or undefined when it does. */
export function untrustedPeer(secure: TLSSocket, settings: TlsSettings): LinkFailure | undefined {
  if (!settings.verifyPeers || secure.authorized) return undefined;
  const why =
    secure.authorizationError instanceof Error
      ? secure.authorizationError.message
      : String(secure.authorizationError);
  return new LinkFailure('certificate-untrusted', `the peer's certificate is not trusted: ${why}`);
}

export function tlsDetails(secure: TLSSocket): TlsDetails {
  const cert = secure.getPeerCertificate();
  const name = (entity: Record<string, string | string[] | undefined> | undefined) =>
    [entity?.CN].flat().filter(Boolean).join(', ');
  return {
    protocol: secure.getProtocol() ?? 'unknown',
    cipher: secure.getCipher().name,
    subject: name(cert.subject),
    issuer: name(cert.issuer),
    validFrom: cert.valid_from ? new Date(cert.valid_from).toISOString() : '',
    validTo: cert.valid_to ? new Date(cert.valid_to).toISOString() : '',
    fingerprint256: cert.fingerprint256 ?? '',
    ...certificateExpiries(secure),
  };
}

function tlsFailure(error: Error): LinkFailure {
  return new LinkFailure('tls-failed', `TLS could not be established: ${error.message}`);
}
