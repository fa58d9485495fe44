import type { ProvedKey } from '../handshake/key-ring.js';
import type { Link } from './link.js';
import { linkHint } from './link-hints.js';
import { LinkFailure } from './link-reason.js';
import type { LinkStatus, LinkTarget } from './link-status.js';
import { ReconnectBackoff } from './reconnect-backoff.js';
import { tenths } from '../../common/tenths.js';

export interface PeerDialerDeps {
  /** Dials, handshakes and adopts; rejects with a LinkFailure. */
  dial(target: LinkTarget): Promise<Link>;
  /** The current link to a node, whichever side dialled it. */
  linkTo(nodeId: string): Link | undefined;
  /** Which of this node's passwords the link's peer proved (see `LinkStatus.password`). */
  password(link: Link): ProvedKey | undefined;
  /** Why this node may not dial now (mesh disabled, not configured), or undefined. */
  blocked(): LinkFailure | { state: 'disabled'; message: string } | undefined;
  /** `transition` is true when the state or reason changed, not just the details. */
  changed(dialer: PeerDialer, transition: boolean): void;
}

/**
 * Keeps one address linked: dials, and after a failure or a lost link dials again with backoff.
 * While a link to the node exists in either direction it does nothing, so two nodes that both
 * dial each other settle on one link.
 */
export class PeerDialer {
  /** Learned from the first hello at this address. */
  nodeId?: string;
  private current: LinkStatus = { state: 'idle', since: new Date().toISOString() };
  /** The link while connected: its clock measurements change with every ping. */
  private link?: Link;
  private timer?: NodeJS.Timeout;
  private dialing = false;
  private stopped = false;

  constructor(
    readonly target: LinkTarget,
    private readonly deps: PeerDialerDeps,
    private readonly backoff: ReconnectBackoff,
  ) {}

  /** The status, with the connected link's latest clock offset and round trip. */
  get status(): LinkStatus {
    const link = this.link;
    if (this.current.state !== 'connected' || !link || link.closed) return this.current;
    const clockOffsetMs = link.clockOffsetMs;
    const rttMs = link.rttMs;
    const password = this.deps.password(link);
    return {
      ...this.current,
      ...(password !== undefined && { password }),
      ...(clockOffsetMs !== undefined && { clockOffsetMs: tenths(clockOffsetMs) }),
      ...(rttMs !== undefined && { rttMs: tenths(rttMs) }),
    };
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.set({ state: 'idle' });
  }

  /** A link to this node came up, from this dialer or from the peer. */
  linkUp(link: Link): void {
    this.nodeId = link.nodeId;
    this.link = link;
    clearTimeout(this.timer);
    this.backoff.reset();
    this.set({
      state: 'connected',
      lastConnectedAt: link.establishedAt.toISOString(),
      direction: link.direction,
      remoteAddress: link.remoteAddress,
      transport: link.transport,
      version: link.peer.software,
      protocolVersion: link.protocolVersion,
      tls: link.tls,
    });
  }

  /** The link to this node went down: show why, and dial again soon. */
  linkDown(failure: LinkFailure): void {
    if (this.stopped) return;
    this.fail(failure);
    this.schedule(this.backoff.next());
  }

  /** Dial now if the last attempt failed and the next waits for its backoff. */
  retryIfFailed(): void {
    if (this.current.state === 'error') this.retryNow();
  }

  /** Dial now (e.g. the mesh was enabled or the password set). */
  retryNow(): void {
    if (this.stopped) return;
    this.backoff.reset();
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.attempt(), delayMs);
    this.timer.unref();
  }

  private async attempt(): Promise<void> {
    if (this.stopped || this.dialing) return;
    if (this.nodeId !== undefined && this.deps.linkTo(this.nodeId)) return;
    const blocked = this.deps.blocked();
    if (blocked instanceof LinkFailure) {
      this.fail(blocked);
      return this.schedule(this.backoff.next());
    }
    if (blocked) return this.set({ state: 'disabled', message: blocked.message });
    if (this.current.state !== 'error') this.set({ state: 'connecting' });
    this.dialing = true;
    try {
      // Resolves with the node's link: this one, or the one the peer dialled if that won the tie-break.
      const link = await this.deps.dial(this.target);
      if (!this.stopped && !link.closed) this.linkUp(link);
    } catch (error: unknown) {
      const failure =
        error instanceof LinkFailure ? error : new LinkFailure('connection-lost', String(error));
      // A link to the node that came up meanwhile (the peer dialled us) stands: this dial's
      // failure (a handshake timed out, a duplicate) is no news about the node.
      if (this.stopped || this.linkedMeanwhile()) return;
      this.fail(failure);
      this.schedule(this.backoff.next());
    } finally {
      this.dialing = false;
    }
  }

  private linkedMeanwhile(): boolean {
    return this.current.state === 'connected' && this.link !== undefined && !this.link.closed;
  }

  private fail(failure: LinkFailure): void {
    const offset = failure.clockOffsetMs;
    this.set({
      state: 'error',
      reason: failure.reason,
      message: failure.message,
      hint: linkHint(failure.reason),
      ...(offset !== undefined && { clockOffsetMs: tenths(offset) }),
    });
  }

  private set(next: Omit<LinkStatus, 'since' | 'lastConnectedAt'> & { lastConnectedAt?: string }): void {
    const changed = next.state !== this.current.state || next.reason !== this.current.reason;
    if (next.state !== 'connected') this.link = undefined;
    this.current = {
      ...next,
      lastConnectedAt: next.lastConnectedAt ?? this.current.lastConnectedAt,
      since: changed ? new Date().toISOString() : this.current.since,
    };
    this.deps.changed(this, changed);
  }
}
