/**
 * The shapes a secret could take in bytes on a wire or in a log: as it is, hex, base64 (each of
 * the three alignments it can have inside a longer base64 text, and the URL alphabet), UTF-16.
 */
function secretForms(secret: string): Array<{ form: string; bytes: Buffer }> {
  const utf8 = Buffer.from(secret, 'utf8');
  const forms = [
    { form: 'utf-8', bytes: utf8 },
    { form: 'hex', bytes: Buffer.from(utf8.toString('hex')) },
    { form: 'HEX', bytes: Buffer.from(utf8.toString('hex').toUpperCase()) },
    { form: 'utf-16le', bytes: Buffer.from(secret, 'utf16le') },
    { form: 'utf-16be', bytes: Buffer.from(secret, 'utf16le').swap16() },
  ];
  for (let shift = 0; shift < 3; shift++) {
    // Inside a longer text the secret starts `shift` bytes into a 3-byte group; the 4-character
    // groups that hold only its own bytes are the same whatever surrounds it.
    const encoded = Buffer.concat([Buffer.alloc(shift), utf8]).toString('base64');
    const stable = encoded.slice(shift === 0 ? 0 : 4, Math.floor((shift + utf8.length) / 3) * 4);
    if (stable.length < 16) throw new Error(`secret ${JSON.stringify(secret)} is too short to search for`);
    forms.push({ form: `base64+${shift}`, bytes: Buffer.from(stable) });
    forms.push({
      form: `base64url+${shift}`,
      bytes: Buffer.from(stable.replace(/\+/g, '-').replace(/\//g, '_')),
    });
  }
  return forms;
}

/** The forms of `secret` found in any of `haystacks` (named), e.g. `["hex in 127.0.0.1:1>…"]`. */
export function findSecret(secret: string, haystacks: Map<string, Buffer>): string[] {
  const found: string[] = [];
  for (const { form, bytes } of secretForms(secret)) {
    for (const [name, haystack] of haystacks) {
      if (haystack.includes(bytes)) found.push(`${form} in ${name}`);
    }
  }
  return found;
}
