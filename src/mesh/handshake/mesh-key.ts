import { createHash, scrypt } from 'node:crypto';

/**
 * What a node keeps of its mesh ID and password: two keys, never the password.
 * `idKey` tells a wrong mesh ID from a wrong password; `authKey` proves the password.
 */
export interface MeshKey {
  idKey: Buffer;
  authKey: Buffer;
}

// scrypt at N=2^15, r=8 costs ~32 MiB and tens of milliseconds once per settings change, and
// makes every guess of an offline dictionary attack on a captured handshake cost the same.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

export function meshIdKey(meshId: string): Buffer {
  return createHash('sha256').update('ucmesh/v1/mesh-id\0').update(meshId, 'utf8').digest();
}

/** Derives the mesh key from mesh ID + password; the salt is bound to the mesh ID. */
export async function deriveMeshKey(meshId: string, password: string): Promise<MeshKey> {
  const idKey = meshIdKey(meshId);
  const salt = createHash('sha256').update('ucmesh/v1/salt\0').update(meshId, 'utf8').digest();
  const authKey = await new Promise<Buffer>((done, fail) =>
    scrypt(password.normalize('NFC'), salt, 32, SCRYPT, (error, key) => (error ? fail(error) : done(key))),
  );
  return { idKey, authKey };
}
