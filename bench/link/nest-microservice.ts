import type { AddressInfo, Server } from 'node:net';
import type { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';

/**
 * A `@nestjs/microservices` TCP server of `module` on 127.0.0.1, listening on a port the system
 * picked (reported to the orchestrator by the caller), as a host application starts one.
 */
export async function startTcpMicroservice(
  module: new () => object,
): Promise<{ app: INestMicroservice; port: number }> {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(module, {
    transport: Transport.TCP,
    options: { host: '127.0.0.1', port: 0 },
    logger: ['error', 'warn'],
    abortOnError: false,
  });
  await app.listen();
  return { app, port: (app.unwrap<Server>().address() as AddressInfo).port };
}
