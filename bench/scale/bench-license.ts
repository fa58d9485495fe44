import { createPrivateKey } from 'node:crypto';
import { generateVendorKeys, issueLicenseToken } from '../../src/mesh/license/license-issuer.js';

/**
 * A vendor key pair of this run and a license signed with it for `connections` links per node:
 * the evaluation license allows 2, too few for a mesh of more than three nodes.
 */
export async function benchLicense(connections: number): Promise<{ token: string; publicKey: string }> {
  const vendor = generateVendorKeys();
  const token = await issueLicenseToken(createPrivateKey(vendor.privateKey), {
    licensee: 'UC Mesh benchmark',
    connections,
    validForMs: 24 * 3_600_000,
  });
  return { token, publicKey: vendor.publicKey };
}
