import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { LINK_HINTS, linkHint } from './link-hints.js';
import { LINK_REASONS } from './link-reason.js';

describe('LINK_HINTS', () => {
  it('has a non-empty sentence for every reason, and nothing for words that are not reasons', () => {
    for (const reason of LINK_REASONS) {
      expect(typeof linkHint(reason)).toBe('string');
      expect(linkHint(reason).trim().length).toBeGreaterThan(10);
    }
    expect(Object.keys(LINK_HINTS).sort()).toEqual([...LINK_REASONS].sort());
  });

  it('gives every reason its own hint', () => {
    const hints = LINK_REASONS.map(linkHint);
    expect(new Set(hints).size).toBe(hints.length);
  });

  it('says what to do: one line, no trailing period, so it can follow the reason in a log line', () => {
    for (const reason of LINK_REASONS) {
      const hint = linkHint(reason);
      expect(hint).not.toMatch(/[\r\n]/);
      expect(hint).not.toMatch(/\.$/);
      expect(hint).toBe(hint.trim());
    }
  });
});

describe("README's table of reasons", () => {
  it('lists every reason with its hint, as the code has it', async () => {
    const readme = await readFile(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');
    for (const reason of LINK_REASONS) {
      expect(readme).toMatch(new RegExp(`^\\| \`${reason}\` +\\| ${escape(linkHint(reason))} +\\|$`, 'm'));
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
