// The standalone node with a presence feature on top, as a UC server would run it: what the LAN
// bench starts instead of dist/main.js to time node-owned state (`--parts presence`). Same
// environment as dist/main.js; the database must be external (DATABASE_URL). Stops on SIGTERM.
import 'reflect-metadata';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { useAdminBodyParser } from '../../src/admin/admin-body-parser.js';
import { AppModule } from '../../src/app.module.js';
import { loadNodeConfig } from '../../src/config/node-config.js';
import { NodeIdentityService } from '../../src/mesh/identity/node-identity.service.js';
import { PresenceLagModule } from './presence-lag.module.js';

const logger = new Logger('PresenceNode');
const config = loadNodeConfig(process.env);
if (!config.databaseUrl) throw new Error('DATABASE_URL must name the database');
@Module({ imports: [AppModule.forRoot({ ...config, databaseUrl: config.databaseUrl }), PresenceLagModule] })
class PresenceNodeModule {}

const app = await NestFactory.create<NestExpressApplication>(PresenceNodeModule, { abortOnError: false });
useAdminBodyParser(app);
app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
await app.listen(config.http.port, config.http.bind);
// The lines LanNodeProcess waits for, as dist/main.js prints them.
logger.log(`node ${app.get(NodeIdentityService).nodeId} ready; database external`);
logger.log('admin token: from ADMIN_TOKEN');
