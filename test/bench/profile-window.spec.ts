import { describe, expect, it } from '@jest/globals';
import {
  addTimes,
  areaOf,
  type CpuProfile,
  cutProfile,
  monotonicUs,
  sourceOf,
} from '../../bench/tools/profile-window.js';

describe('sourceOf and areaOf', () => {
  it.each([
    ['', '(garbage collector)', 'GC', 'GC'],
    ['', '(program)', '(program)', '(program)'],
    ['', 'runInContext', '(native)', '(native)'],
    [
      'file:///work/main/node_modules/@nestjs/core/router/router-execution-context.js',
      'create',
      'node_modules/@nestjs/core',
      'node_modules/@nestjs/core',
    ],
    [
      'file:///work/main/node_modules/.pnpm/x/node_modules/msgpackr/unpack.js',
      'read',
      'node_modules/msgpackr',
      'node_modules/msgpackr',
    ],
    [
      'file:///work/wt/prof/dist/mesh/topology/topology-view.js',
      'build',
      'dist/mesh/topology/topology-view.js',
      'src/mesh/topology',
    ],
    ['file:///work/wt/prof/dist/main.js', 'bootstrap', 'dist/main.js', 'src'],
    ['node:internal/crypto/hkdf', 'hkdf', 'node:internal/crypto/hkdf', 'node:internal/crypto'],
    ['node:net', 'Socket', 'node:net', 'node:net'],
  ])('%s %s: %s in %s', (url, name, source, area) => {
    expect(sourceOf(url, name)).toBe(source);
    expect(areaOf(source)).toBe(area);
  });
});

/**
 * root → run (dist/mesh/topology/view.js:10) → pack (node_modules/msgpackr/pack.js:5); root → GC;
 * root → (idle). Samples every 1,000 µs from startTime 1,000,000.
 */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 4, 5] },
    {
      id: 2,
      callFrame: { functionName: 'run', url: 'file:///x/dist/mesh/topology/view.js', lineNumber: 9 },
      children: [3],
    },
    {
      id: 3,
      callFrame: { functionName: 'pack', url: 'file:///x/node_modules/msgpackr/pack.js', lineNumber: 4 },
    },
    { id: 4, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1 } },
    { id: 5, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
  ],
  startTime: 1_000_000,
  // at 1,001,000 … 1,006,000
  samples: [2, 3, 3, 4, 5, 3],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000],
};

describe('cutProfile', () => {
  it('adds up self time by function and source, and time on the stack by area and product function', () => {
    const times = cutProfile(profile, 0, Number.MAX_SAFE_INTEGER);
    expect(times.busyUs).toBe(5000);
    expect(times.idleUs).toBe(1000);
    expect(Object.fromEntries(times.byFunction)).toEqual({
      'run dist/mesh/topology/view.js:10': 1000,
      'pack node_modules/msgpackr/pack.js:5': 3000,
      '(garbage collector)': 1000,
      '(idle)': 1000,
    });
    expect(Object.fromEntries(times.bySource)).toEqual({
      'dist/mesh/topology/view.js': 1000,
      'node_modules/msgpackr': 3000,
      GC: 1000,
      '(idle)': 1000,
    });
    expect(Object.fromEntries(times.byAreaInclusive)).toEqual({
      'src/mesh/topology': 4000,
      'node_modules/msgpackr': 3000,
      GC: 1000,
    });
    expect(Object.fromEntries(times.byProductFunctionInclusive)).toEqual({
      'run dist/mesh/topology/view.js:10': 4000,
    });
  });

  it('takes only the samples inside the window', () => {
    // 1,002,000 (pack), 1,003,000 (pack), 1,004,000 (GC); not 1,005,000.
    const times = cutProfile(profile, 1_002_000, 1_005_000);
    expect(times.busyUs).toBe(3000);
    expect(Object.fromEntries(times.bySource)).toEqual({ 'node_modules/msgpackr': 2000, GC: 1000 });
  });

  it('sums the nodes of a mesh', () => {
    const one = cutProfile(profile, 0, Number.MAX_SAFE_INTEGER);
    const both = addTimes([one, one]);
    expect(both.busyUs).toBe(10_000);
    expect(both.bySource.get('node_modules/msgpackr')).toBe(6000);
  });
});

describe('monotonicUs', () => {
  it('maps epoch ms to the monotonic µs of one reading of both clocks', () => {
    expect(monotonicUs(1_700_000_001_500, { epochMs: 1_700_000_000_000, monotonicUs: 42_000_000 })).toBe(
      43_500_000,
    );
  });
});
