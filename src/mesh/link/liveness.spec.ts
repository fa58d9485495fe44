import { describe, expect, it } from '@jest/globals';
import { Liveness, type LivenessAction, PROBE_TICKS, TICKS_PER_TIMEOUT } from './liveness.js';

/** Runs `ticks` ticks; a probe is written as the link writes it. Answers the actions in order. */
function run(liveness: Liveness, ticks: number, probeTicks: number, paused = false): LivenessAction[] {
  const actions: LivenessAction[] = [];
  for (let i = 0; i < ticks; i++) {
    const action = liveness.tick(paused, probeTicks);
    actions.push(action);
    if (action === 'dead') break;
    if (action === 'probe') {
      liveness.pinged();
      liveness.wrote(true);
    }
    liveness.endTick();
  }
  return actions;
}

/** Tick indexes (1-based) of an action. */
function at(actions: LivenessAction[], wanted: LivenessAction): number[] {
  return actions.flatMap((action, i) => (action === wanted ? [i + 1] : []));
}

describe('Liveness', () => {
  it('a quiet link probes after probeTicks and gives the peer the whole timeout to answer', () => {
    const liveness = new Liveness(true);
    const actions = run(liveness, 40, 16);
    expect(at(actions, 'probe')).toEqual([16, 18, 20]);
    // The probe at 16 was never answered: dead one timeout after it.
    expect(actions.at(-1)).toBe('dead');
    expect(actions).toHaveLength(16 + TICKS_PER_TIMEOUT);
  });

  it('an answered probe resets the quiet: one exchange per probe interval, never a timeout', () => {
    const liveness = new Liveness(true);
    const actions: LivenessAction[] = [];
    for (let i = 0; i < 100; i++) {
      const action = liveness.tick(false, 10);
      actions.push(action);
      if (action === 'probe') {
        liveness.pinged();
        liveness.wrote(true);
      }
      liveness.endTick();
      // The answer arrives before the next tick.
      if (action === 'probe') liveness.heard();
    }
    expect(actions).not.toContain('dead');
    expect(at(actions, 'probe')).toEqual([10, 21, 32, 43, 54, 65, 76, 87, 98]);
  });

  it('answering the peer calls for nothing: the answering side does not wait or probe early', () => {
    const liveness = new Liveness(false);
    liveness.heard();
    liveness.pinged();
    liveness.wrote(false);
    const actions = run(liveness, 12, 12);
    expect(actions).not.toContain('dead');
    // Quiet counts from the tick after the answer went out (it counts as sent in the first one).
    expect(at(actions, 'probe')).toEqual([]);
    expect(run(liveness, 1, 12)).toEqual(['probe']);
  });

  it('data out and nothing back: probes every PROBE_TICKS and is dead after the timeout', () => {
    const liveness = new Liveness(false);
    liveness.wrote(true);
    const actions = run(liveness, 20, 100);
    expect(at(actions, 'probe')).toEqual([PROBE_TICKS, 2 * PROBE_TICKS]);
    expect(actions).toHaveLength(TICKS_PER_TIMEOUT);
    expect(actions.at(-1)).toBe('dead');
  });

  it('anything heard while waiting is a sign of life', () => {
    const liveness = new Liveness(false);
    liveness.wrote(true);
    run(liveness, TICKS_PER_TIMEOUT - 1, 100);
    liveness.heard();
    expect(run(liveness, TICKS_PER_TIMEOUT, 100)).not.toContain('dead');
  });

  it('a side holding the peer back never times it out and pings every PROBE_TICKS', () => {
    const liveness = new Liveness(false);
    liveness.wrote(true);
    const actions = run(liveness, 30, 100, true);
    expect(actions).not.toContain('dead');
    // The data went out in the first tick: idle from the second on.
    expect(at(actions, 'probe')).toEqual([3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29]);
  });

  it('a busy stamped link pings once per timeout for its clock; an unstamped one does not', () => {
    for (const stamped of [true, false]) {
      const liveness = new Liveness(stamped);
      const actions: LivenessAction[] = [];
      for (let i = 0; i < 24; i++) {
        // Both sides send every tick: requests and answers.
        liveness.wrote(true);
        liveness.heard();
        const action = liveness.tick(false, 100);
        actions.push(action);
        if (action === 'probe') liveness.pinged();
        liveness.endTick();
      }
      expect(at(actions, 'probe')).toEqual(stamped ? [6, 12, 18, 24] : []);
    }
  });

  it('never probes a quiet link before PROBE_TICKS, whatever probeTicks says', () => {
    const liveness = new Liveness(false);
    expect(at(run(liveness, 6, 0), 'probe')[0]).toBe(PROBE_TICKS);
  });

  it('a suspicion probes at the next tick, and the silent peer is dead one timeout later', () => {
    const liveness = new Liveness(true);
    run(liveness, 3, 1000); // quiet, far from its idle probe
    expect(liveness.suspect()).toBe(true);
    const actions = run(liveness, 20, 1000);
    expect(actions[0]).toBe('probe');
    expect(actions.at(-1)).toBe('dead');
    expect(actions).toHaveLength(TICKS_PER_TIMEOUT + 1);
  });

  it('a suspicion while waiting for a sign of life changes nothing; an answered one ends there', () => {
    const liveness = new Liveness(true);
    liveness.wrote(true);
    expect(liveness.suspect()).toBe(false);
    expect(liveness.tick(false, 1000)).toBe('none');
    liveness.endTick();
    liveness.heard();
    expect(liveness.suspect()).toBe(true);
    expect(run(liveness, 1, 1000)).toEqual(['probe']);
    liveness.heard(); // the peer answered
    expect(at(run(liveness, 50, 1000), 'probe')).toEqual([]);
  });
});
