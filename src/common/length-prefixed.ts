import type { Hash, Hmac } from 'node:crypto';

/**
 * Feeds each part to the hash behind its u32 length, so no two different lists of parts hash
 * alike (`"ab","c"` and `"a","bc"` differ).
 */
export function updateLengthPrefixed<H extends Hash | Hmac>(
  hash: H,
  parts: Iterable<Uint8Array | string>,
): H {
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(bytes.length, 0);
    hash.update(length).update(bytes);
  }
  return hash;
}
