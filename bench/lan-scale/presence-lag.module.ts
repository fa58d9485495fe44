import { Body, Controller, Get, Header, Injectable, Module, Param, Put } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Histogram, Registry } from 'prom-client';
import { NodeIdentityService } from '../../src/mesh/identity/node-identity.service.js';
import { MeshStateService } from '../../src/mesh/state/mesh-state.service.js';
import type { StateChange } from '../../src/mesh/state/state-store.js';
import { PRESENCE_LAG, PRESENCE_MAP } from './presence-lag.names.js';

/** The entry's value: the status and when its owner set it (epoch ms; the nodes share a clock). */
interface TimedPresence {
  status: string;
  at: number;
}

/**
 * Times node-owned state the way a presence feature uses it: a user's status set on its node
 * (`PUT /bench/presence/:user`), each other node observing, when the entry arrives, the time since
 * the owner set it. All nodes of the LAN bench run on one machine, so the two clocks are one.
 */
@Injectable()
class PresenceLag {
  readonly registry = new Registry();
  private readonly lag = new Histogram({
    name: PRESENCE_LAG,
    help: 'From a presence entry set on its node until it arrived here',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor(
    private readonly state: MeshStateService,
    private readonly identity: NodeIdentityService,
  ) {}

  set(user: string, status: string): TimedPresence {
    const presence = { status, at: Date.now() };
    this.state.set(PRESENCE_MAP, user, presence);
    return presence;
  }

  @OnEvent('mesh.state.changed')
  arrived(change: StateChange): void {
    if (change.map !== PRESENCE_MAP || change.nodeId === this.identity.nodeId) return;
    const at = (change.value as Partial<TimedPresence> | undefined)?.at;
    if (typeof at === 'number') this.lag.observe(Math.max(0, Date.now() - at) / 1000);
  }
}

@Controller('bench/presence')
class PresenceLagController {
  constructor(private readonly presence: PresenceLag) {}

  @Put(':user')
  set(@Param('user') user: string, @Body() body: { status?: unknown }): TimedPresence {
    return this.presence.set(user, typeof body?.status === 'string' ? body.status : 'available');
  }

  @Get('metrics')
  @Header('content-type', Registry.PROMETHEUS_CONTENT_TYPE)
  metrics(): Promise<string> {
    return this.presence.registry.metrics();
  }
}

@Module({ controllers: [PresenceLagController], providers: [PresenceLag] })
export class PresenceLagModule {}
