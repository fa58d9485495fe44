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
  /**
   * This node trusts the peer's certificate: it chains to `MESH_TLS_CA`, or no CA is configured
   * (then no chain is checked). False only where TLS is not required: the link is encrypted and
   * the peer authenticated by the password proof bound to the session, but not by its certificate.
   */
  peerTrusted?: boolean;
  /** The peer's verdict on this node's certificate; absent from a peer of protocol version 1. */
  trustedByPeer?: boolean;
}

const EXPORTER_LABEL = 'EXPORTER-ucmesh-v1-auth';
const EXPORTER_BYTES = 32;

/**
 * Upgrades a socket to TLS in place (STARTTLS). Both sides present certificates and neither lets
 * OpenSSL reject the other's (`rejectUnauthorized: false`): OpenSSL still checks the chain against
 * the CA and records the outcome (`authorized`, `authorizationError`), which `peerTrust` reads, so
 * the handshake decides by the rule (transport-negotiation.ts) and tells the peer why.
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

/** Whether this side trusts the peer's certificate, and why not. Without a CA nothing is checked. */
export function peerTrust(secure: TLSSocket, settings: TlsSettings): { trusted: boolean; why?: string } {
  if (!settings.verifyPeers || secure.authorized) return { trusted: true };
  const error = secure.authorizationError as unknown;
  return { trusted: false, why: error instanceof Error ? error.message : String(error) };
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
