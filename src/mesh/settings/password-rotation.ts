import type { ProvedKey } from '../handshake/key-ring.js';
import type { MeshKey } from '../handshake/mesh-key.js';

/** How long the previous password stays valid after a change, unless set: one hour. */
export const DEFAULT_PASSWORD_GRACE_MS = 3_600_000;
/** The longest grace period an administrator may set: seven days. */
export const MAX_PASSWORD_GRACE_MS = 7 * 24 * 3_600_000;

/** The previous key and until when it is accepted; both absent outside a grace period. */
export interface PreviousKey {
  previousKey?: MeshKey;
  previousKeyUntil?: Date;
}

/**
 * What becomes of the previous key when the settings change. A new password on the same mesh ID
 * with a grace period keeps the key in force until now as the previous one for `graceMs`; a new
 * mesh ID, no key before or a grace of 0 leaves none (links of the old key are closed at once, as
 * without rotation). With the key unchanged a rotation in progress goes on, and a new grace moves
 * its end to the password change's time plus the new grace (`0` ends it now).
 */
export function previousKeyAfter(change: {
  before: PreviousKey & { key?: MeshKey; passwordGraceMs?: number };
  keyChanged: boolean;
  meshIdChanged: boolean;
  graceMs: number;
  now: number;
}): PreviousKey {
  const { before, keyChanged, meshIdChanged, graceMs, now } = change;
  if (!keyChanged) {
    const { previousKey, previousKeyUntil, passwordGraceMs } = before;
    if (!previousKey || !previousKeyUntil) return {};
    if (passwordGraceMs === undefined || passwordGraceMs === graceMs)
      return { previousKey, previousKeyUntil };
    const changedAt = previousKeyUntil.getTime() - passwordGraceMs;
    return { previousKey, previousKeyUntil: new Date(Math.max(now, changedAt + graceMs)) };
  }
  if (meshIdChanged || !before.key || graceMs <= 0) return {};
  return { previousKey: before.key, previousKeyUntil: new Date(now + graceMs) };
}

/** True when a stored grace period is over at `now` (a restart after it ended forgets the key). */
export function graceOver(until: Date | undefined, now: number): boolean {
  return until !== undefined && until.getTime() <= now;
}

/**
 * Which of this node's keys the peer of a link proved, given the `authKey`s it proved so far:
 * `current` when it proved the one in force, `previous` when only the one before; undefined when
 * it proved neither any more (its link is to be closed).
 */
export function provedKey(
  proven: readonly Buffer[],
  keys: { key?: MeshKey; previousKey?: MeshKey },
): ProvedKey | undefined {
  const { key, previousKey } = keys;
  if (key && proven.some((k) => k.equals(key.authKey))) return 'current';
  if (previousKey && proven.some((k) => k.equals(previousKey.authKey))) return 'previous';
  return undefined;
}

/** `GET /api/mesh`'s `passwordRotation`: "`onNew` of `linked` linked nodes on the new password". */
export interface RotationProgress {
  /** A previous password is still accepted. */
  active: boolean;
  /** When the previous password stops being accepted (ISO time); null outside a rotation. */
  until: string | null;
  /** Linked nodes that proved the current password. */
  onNew: number;
  /** Nodes linked now. */
  linked: number;
}

export function rotationProgress(
  links: ReadonlyArray<ProvedKey | undefined>,
  keys: PreviousKey,
): RotationProgress {
  const active = keys.previousKey !== undefined;
  return {
    active,
    until: active ? (keys.previousKeyUntil?.toISOString() ?? null) : null,
    onNew: links.filter((proved) => proved === 'current').length,
    linked: links.length,
  };
}

/**
 * A rotation ends before its grace period once every node this node links to proved the new
 * password and no node it keeps linked is unlinked (one that is down may come back on the old
 * password: it waits for the grace end). With no link at all nothing is known, so it waits too.
 */
export function rotationComplete(progress: RotationProgress, unlinkedWanted: number): boolean {
  return progress.active && progress.linked > 0 && progress.onNew === progress.linked && unlinkedWanted === 0;
}
