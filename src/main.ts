#!/usr/bin/env node
// The standalone UC Mesh node: configuration from the environment, an embedded PostgreSQL unless
// DATABASE_URL names one, the admin API on HTTP_BIND:HTTP_PORT, graceful stop on SIGINT/SIGTERM.
import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { useAdminBodyParser } from './admin/admin-body-parser.js';
import { AdminTokenService } from './admin/auth/admin-token.service.js';
import { AppModule } from './app.module.js';
import { findKeyFileError } from './common/key-file.error.js';
import { ConfigValidationError } from './config/config-validation.error.js';
import { loadNodeConfig, type NodeConfig } from './config/node-config.js';
import { EmbeddedDatabase } from './database/embedded-database.js';
import { NodeIdentityService } from './mesh/identity/node-identity.service.js';
import { LinkService } from './mesh/link/link.service.js';
import { describeError } from './common/describe-error.js';

const SHUTDOWN_LIMIT_MS = 20_000;
const logger = new Logger('UcMesh');

function readConfig(): NodeConfig {
  try {
    return loadNodeConfig(process.env);
  } catch (error: unknown) {
    if (!(error instanceof ConfigValidationError)) throw error;
    // One line per bad variable, no stack: the operator only needs to fix the environment.
    for (const problem of error.problems)
      process.stderr.write(`uc-mesh: invalid configuration: ${problem}\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  let embedded: EmbeddedDatabase | undefined;
  let app: INestApplication | undefined;
  const startup = (async () => {
    embedded = config.databaseUrl ? undefined : await EmbeddedDatabase.start({ dataDir: config.dataDir });
    const databaseUrl = config.databaseUrl ?? embedded?.url ?? '';
    const nest = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot({ ...config, databaseUrl }),
      {
        abortOnError: false,
      },
    );
    useAdminBodyParser(nest);
    app = nest;
    await app.listen(config.http.port, config.http.bind);
  })();
  // Registered before anything starts: a signal during start-up waits for it, then stops in order.
  handleStopSignals(
    startup,
    () => app,
    () => embedded,
  );
  try {
    await startup;
  } catch (error: unknown) {
    await app?.close().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }
  if (!app) return;
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  const host = config.http.bind.includes(':') ? `[${config.http.bind}]` : config.http.bind;
  const tokens = app.get(AdminTokenService);
  const mesh = app.get(LinkService);
  logger.log(
    `node ${app.get(NodeIdentityService).nodeId} ready; database ${embedded ? 'embedded' : 'external'}`,
  );
  logger.log(`mesh: ${config.mesh.host}:${mesh.port} (${mesh.encryption})`);
  logger.log(`admin: http://${host}:${port}/admin`);
  logger.log(
    tokens.tokenFile
      ? `admin token: ${tokens.token} (stored in ${tokens.tokenFile})`
      : 'admin token: from ADMIN_TOKEN',
  );
}

/** SIGINT, SIGTERM or SIGHUP: close listeners and the database, then exit 0; a second signal exits at once. */
function handleStopSignals(
  startup: Promise<void>,
  app: () => INestApplication | undefined,
  embedded: () => EmbeddedDatabase | undefined,
): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      logger.warn(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    logger.log(`${signal}: shutting down`);
    setTimeout(() => {
      logger.error(`shutdown took longer than ${SHUTDOWN_LIMIT_MS} ms: exiting`);
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    let clean = true;
    await startup.catch(() => undefined);
    for (const [what, step] of [
      ['application', () => app()?.close()],
      ['database', () => embedded()?.stop()],
    ] as const) {
      try {
        await step();
      } catch (error: unknown) {
        clean = false;
        logger.error(`stopping the ${what} failed`, describeError(error));
      }
    }
    logger.log('stopped');
    process.exit(clean ? 0 : 1);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, (received: NodeJS.Signals) => void stop(received));
  }
}

main().catch((error: unknown) => {
  const keyFile = findKeyFileError(error);
  // A bad key file is configuration like a bad variable: one line naming it, no stack.
  if (keyFile) process.stderr.write(`uc-mesh: invalid configuration: ${keyFile.message}\n`);
  else logger.error(describeError(error));
  process.exit(1);
});
