import { createPrivateKey } from 'node:crypto';
import { generateVendorKeys, issueLicenseToken } from '../../src/mesh/license/license-issuer.js';
import type { MeshModuleOptions } from '../../src/mesh/mesh-module.options.js';

const vendor = generateVendorKeys();

/**
 * Module options with a license for `connections` links, signed by a vendor key made for the test
 * run: the evaluation's two connections are too few for a mesh of more than three nodes.
 */
export async function licensedFor(
  connections: number,
): Promise<Pick<MeshModuleOptions, 'license' | 'licensePublicKey'>> {
  const license = await issueLicenseToken(createPrivateKey(vendor.privateKey), {
    licensee: 'test',
    connections,
    validForMs: 3_600_000,
  });
  return { license, licensePublicKey: vendor.publicKey };
}
