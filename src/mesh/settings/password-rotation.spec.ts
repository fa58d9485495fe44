import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { MeshKey } from '../handshake/mesh-key.js';
import {
  graceOver,
  previousKeyAfter,
  provedKey,
  rotationComplete,
  rotationProgress,
} from './password-rotation.js';

const key = (): MeshKey => ({ idKey: randomBytes(32), authKey: randomBytes(32) });
const NOW = Date.parse('2026-12-07T12:00:00Z');

describe('password rotation: the previous key after a change', () => {
  const oldKey = key();
  const change = {
    before: { key: oldKey },
    keyChanged: true,
    meshIdChanged: false,
    graceMs: 60_000,
    now: NOW,
  };

  it('keeps the key in force until now as the previous one for the grace period', () => {
    expect(previousKeyAfter(change)).toEqual({
      previousKey: oldKey,
      previousKeyUntil: new Date(NOW + 60_000),
    });
  });

  it('keeps none with a grace of 0, a new mesh ID, or no key before', () => {
    expect(previousKeyAfter({ ...change, graceMs: 0 })).toEqual({});
    expect(previousKeyAfter({ ...change, meshIdChanged: true })).toEqual({});
    expect(previousKeyAfter({ ...change, before: {} })).toEqual({});
  });

  it('leaves a rotation in progress as it is when the key did not change', () => {
    const before = { key: oldKey, previousKey: key(), previousKeyUntil: new Date(NOW + 5) };
    expect(previousKeyAfter({ ...change, before, keyChanged: false })).toEqual({
      previousKey: before.previousKey,
      previousKeyUntil: before.previousKeyUntil,
    });
  });

  it('a new grace during a rotation moves its end from the time of the password change', () => {
    const changedAt = NOW - 10_000;
    const before = {
      key: oldKey,
      previousKey: key(),
      previousKeyUntil: new Date(changedAt + 60_000),
      passwordGraceMs: 60_000,
    };
    const after = (graceMs: number) => previousKeyAfter({ ...change, before, keyChanged: false, graceMs });
    expect(after(120_000).previousKeyUntil).toEqual(new Date(changedAt + 120_000));
    // Shorter than what has passed already, or 0: it ends now.
    expect(after(5_000).previousKeyUntil).toEqual(new Date(NOW));
    expect(after(0)).toEqual({ previousKey: before.previousKey, previousKeyUntil: new Date(NOW) });
  });

  it('a second change during the grace keeps only the key just replaced', () => {
    const before = { key: oldKey, previousKey: key(), previousKeyUntil: new Date(NOW + 5) };
    expect(previousKeyAfter({ ...change, before }).previousKey).toBe(oldKey);
  });

  it('a stored grace period is over at its end, not before', () => {
    expect(graceOver(new Date(NOW), NOW)).toBe(true);
    expect(graceOver(new Date(NOW + 1), NOW)).toBe(false);
    expect(graceOver(undefined, NOW)).toBe(false);
  });
});

describe('password rotation: which key a link proved, and progress', () => {
  const current = key();
  const previous = key();

  it('names the current key first, then the previous one, else none', () => {
    const keys = { key: current, previousKey: previous };
    expect(provedKey([previous.authKey, current.authKey], keys)).toBe('current');
    expect(provedKey([Buffer.from(previous.authKey)], keys)).toBe('previous');
    expect(provedKey([previous.authKey], { key: current })).toBeUndefined();
    expect(provedKey([key().authKey], keys)).toBeUndefined();
  });

  it('counts the linked nodes on the new password', () => {
    const until = new Date(NOW);
    expect(
      rotationProgress(['current', 'previous', 'current'], {
        previousKey: previous,
        previousKeyUntil: until,
      }),
    ).toEqual({
      active: true,
      until: until.toISOString(),
      onNew: 2,
      linked: 3,
    });
    expect(rotationProgress(['current'], {})).toEqual({ active: false, until: null, onNew: 1, linked: 1 });
  });

  it('ends early only when every linked node is on the new password and none kept linked is down', () => {
    const active = { previousKey: previous, previousKeyUntil: new Date(NOW) };
    expect(rotationComplete(rotationProgress(['current', 'current'], active), 0)).toBe(true);
    expect(rotationComplete(rotationProgress(['current', 'previous'], active), 0)).toBe(false);
    expect(rotationComplete(rotationProgress(['current', 'current'], active), 1)).toBe(false);
    // Nobody linked: nothing is known of the others, the grace decides.
    expect(rotationComplete(rotationProgress([], active), 0)).toBe(false);
    expect(rotationComplete(rotationProgress(['current'], {}), 0)).toBe(false);
  });
});
