import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { DIAGNOSIS_HINTS, DIAGNOSIS_MESSAGES, LINK_HINTS, LINK_REASONS } from '../../mesh/index.js';

/** What the page's dictionary module exports (it is a browser script, not part of the TypeScript build). */
type Language = 'en' | 'de';
interface Dictionary {
  LANGUAGES: Language[];
  MESSAGES: Record<Language, Record<string, string>>;
  chooseLanguage: (remembered: string | null, preferred: readonly string[]) => string;
  translate: (language: string, key: string, params?: Record<string, unknown>) => string;
}

let dictionary: Dictionary;

/** Evaluates the shipped file as the browser does: an ES module without imports. */
beforeAll(async () => {
  const file = join(import.meta.dirname, 'static', 'i18n.js');
  const module = new vm.SourceTextModule(await readFile(file, 'utf8'), { identifier: file });
  await module.link(() => {
    throw new Error('i18n.js must not import anything');
  });
  await module.evaluate();
  dictionary = module.namespace as Dictionary;
});

const placeholders = (text = '') => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('the admin page dictionaries', () => {
  it('have exactly the same keys in English and German, each a non-empty text', () => {
    const { LANGUAGES, MESSAGES } = dictionary;
    expect(Object.keys(MESSAGES).sort()).toEqual([...LANGUAGES].sort());
    expect(LANGUAGES).toEqual(['en', 'de']);
    const english = Object.keys(MESSAGES.en).sort();
    expect(english.length).toBeGreaterThan(100);
    expect(Object.keys(MESSAGES.de).sort()).toEqual(english);
    for (const language of LANGUAGES) {
      for (const [key, text] of Object.entries(MESSAGES[language])) {
        expect([key, typeof text, text.trim() === '']).toEqual([key, 'string', false]);
      }
    }
  });

  it('fill in the same values in both languages', () => {
    const { MESSAGES } = dictionary;
    for (const key of Object.keys(MESSAGES.en))
      expect([key, placeholders(MESSAGES.de[key])]).toEqual([key, placeholders(MESSAGES.en[key])]);
  });

  it("say what to do about every link reason in both languages; the English hint is the API's", () => {
    const { MESSAGES } = dictionary;
    for (const reason of LINK_REASONS) {
      expect([reason, MESSAGES.en[`hint.${reason}`]]).toEqual([reason, LINK_HINTS[reason]]);
      expect([reason, typeof MESSAGES.de[`hint.${reason}`]]).toEqual([reason, 'string']);
      expect(MESSAGES.de[`hint.${reason}`]).not.toBe(LINK_HINTS[reason]);
    }
    const hinted = Object.keys(MESSAGES.en).filter((key) => key.startsWith('hint.'));
    expect(hinted.sort()).toEqual(LINK_REASONS.map((reason) => `hint.${reason}`).sort());
  });

  it('label every link reason in both languages, and the German labels differ from the codes', () => {
    const { MESSAGES } = dictionary;
    for (const reason of LINK_REASONS) {
      expect([reason, typeof MESSAGES.en[`reason.${reason}`]]).toEqual([reason, 'string']);
      expect([reason, typeof MESSAGES.de[`reason.${reason}`]]).toEqual([reason, 'string']);
      expect(MESSAGES.de[`reason.${reason}`]).not.toBe(reason);
    }
    // No label for a reason the node does not have.
    const labelled = Object.keys(MESSAGES.en).filter((key) => key.startsWith('reason.'));
    expect(labelled.sort()).toEqual(LINK_REASONS.map((reason) => `reason.${reason}`).sort());
  });

  it("word every diagnosis finding and hint in both languages; the English is the API's", () => {
    const { MESSAGES } = dictionary;
    const texts: Array<[string, string]> = [
      ...Object.entries(DIAGNOSIS_MESSAGES).map(([code, text]): [string, string] => [
        `diagnosis.${code}`,
        text,
      ]),
      ...Object.entries(DIAGNOSIS_HINTS).map(([code, text]): [string, string] => [
        `diagnosis.hint.${code}`,
        text,
      ]),
    ];
    for (const [key, english] of texts) {
      expect([key, MESSAGES.en[key]]).toEqual([key, english]);
      expect([key, typeof MESSAGES.de[key]]).toEqual([key, 'string']);
      expect(MESSAGES.de[key]).not.toBe(english);
    }
  });

  it("use the product's German terms", () => {
    const { de } = dictionary.MESSAGES;
    expect(de['nodes.title']).toBe('Mesh-Knoten');
    expect(de['nodes.fixed']).toBe('Fest konfigurierte Knoten');
    expect(de['nodes.discovered']).toBe('Automatisch gefundene Knoten');
    expect(de['menu.pin']).toBe('Diesen Knoten fest konfigurieren');
    expect(de['settings.meshId']).toBe('Mesh-ID');
    expect(de['settings.password']).toBe('Kennwort');
    expect(de['self.encryption']).toBe('Verschlüsselung');
    expect(de['license.title']).toBe('Lizenz');
  });

  it('choose German for de* browsers, else English; a remembered choice wins', () => {
    const { chooseLanguage } = dictionary;
    expect(chooseLanguage(null, ['de-DE', 'en-US'])).toBe('de');
    expect(chooseLanguage(null, ['de-AT'])).toBe('de');
    expect(chooseLanguage(null, ['fr-FR', 'de'])).toBe('de');
    expect(chooseLanguage(null, ['en-US', 'de-DE'])).toBe('en');
    expect(chooseLanguage(null, ['fr-FR'])).toBe('en');
    expect(chooseLanguage(null, [])).toBe('en');
    expect(chooseLanguage('en', ['de-DE'])).toBe('en');
    expect(chooseLanguage('de', ['en-US'])).toBe('de');
    expect(chooseLanguage('xx', ['de-CH'])).toBe('de');
  });

  it('fill in values and fall back to English, then to the key', () => {
    const { translate } = dictionary;
    expect(translate('de', 'nodes.actions', { address: 'a:1' })).toBe('Aktionen für a:1');
    expect(translate('en', 'license.connectionsUsed', { used: 0, allowed: 2 })).toBe('0 used of 2 allowed');
    expect(translate('xx', 'menu.remove')).toBe('Remove');
    expect(translate('de', 'no.such.key')).toBe('no.such.key');
  });
});
