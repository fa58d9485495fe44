import { describe, expect, it } from '@jest/globals';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { LicenseService } from '../../mesh/license/license.service.js';
import type { LinkService } from '../../mesh/link/link.service.js';
import type { MeshSettingsService } from '../../mesh/settings/mesh-settings.service.js';
import { MeshHealthIndicator } from './mesh.health.js';

/** The indicator over stand-ins of the three services it reads. */
function indicator(state: { listening: boolean; enabled: boolean; licensed: boolean; links: number }) {
  const link = {
    isListening: state.listening,
    active: state.enabled && state.licensed,
    port: 7222,
    linkedNodes: () => Array.from({ length: state.links }),
  } as unknown as LinkService;
  const settings = { current: { enabled: state.enabled } } as MeshSettingsService;
  const license = { licensed: state.licensed } as LicenseService;
  return new MeshHealthIndicator(new HealthIndicatorService(), link, settings, license);
}

describe('MeshHealthIndicator', () => {
  it('is up with the details while the clients network interface listens', () => {
    const result = indicator({ listening: true, enabled: true, licensed: true, links: 2 }).isHealthy('mesh');
    expect(result).toEqual({
      mesh: { status: 'up', enabled: true, licensed: true, active: true, links: 2, port: 7222 },
    });
  });

  it.each([
    ['disabled by the administrator', { enabled: false, licensed: true }],
    ['unlicensed', { enabled: true, licensed: false }],
  ])('stays up when the mesh is %s: a setting, not a fault', (_case, state) => {
    const result = indicator({ listening: true, links: 0, ...state }).isHealthy('mesh');
    expect(result.mesh).toMatchObject({ status: 'up', active: false, links: 0 });
  });

  it('is down, saying why, when the interface does not listen', () => {
    const result = indicator({ listening: false, enabled: true, licensed: true, links: 0 }).isHealthy('mesh');
    expect(result.mesh).toMatchObject({
      status: 'down',
      port: 7222,
      message: 'the clients network interface is not listening',
    });
  });
});
