import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ModuleOptionsError } from '../../src/common/module-options.js';
import { MESH_CONFIG, type MeshConfig } from '../../src/mesh/mesh-config.js';
import type { MeshModuleOptions } from '../../src/mesh/mesh-module.options.js';
import { MeshModule } from '../../src/mesh/mesh.module.js';
import { nodeDatabaseModule } from '../helpers/node-database-module.js';
import { tempDataDir } from '../helpers/node-process.js';
import { TestDatabaseServer } from '../helpers/test-database.js';

/** A host application as a Nest developer writes one: its database, the mesh configured by a factory. */
function hostModule(url: string, options: () => unknown): DynamicModule {
  class HostModule {}
  return {
    module: HostModule,
    imports: [
      EventEmitterModule.forRoot(),
      nodeDatabaseModule(url),
      // A factory's result is only known at run time: the type system cannot catch a typo in it.
      MeshModule.forRootAsync({ useFactory: options as () => MeshModuleOptions }),
    ],
  };
}

describe('MeshModule options are checked when the application starts', () => {
  let database: TestDatabaseServer;
  let dataDir: string;

  beforeAll(async () => {
    database = await TestDatabaseServer.start();
    dataDir = await tempDataDir();
  });

  afterAll(async () => {
    await database.stop();
  });

  it('a typo in what a forRootAsync factory returns stops the application with one line naming it', async () => {
    const module = hostModule(await database.createDatabase(), () => ({
      host: 'x',
      discovry: false,
    }));
    const start = NestFactory.createApplicationContext(module, { logger: false, abortOnError: false });
    await expect(start).rejects.toThrow(ModuleOptionsError);
    await expect(start).rejects.toThrow(
      /^MeshModule options: "discovry" is not an option \(allowed: host, port, /,
    );
  });

  it('a wrong type stops it too', async () => {
    const module = hostModule(await database.createDatabase(), () => ({
      host: 'x',
      discovery: false,
      port: 'abc',
    }));
    await expect(
      NestFactory.createApplicationContext(module, { logger: false, abortOnError: false }),
    ).rejects.toThrow(
      new ModuleOptionsError('MeshModule', 'port', 'must be an integer from 0 to 65535 (got "abc")'),
    );
  });

  it('valid options from the factory start the mesh with them', async () => {
    const module = hostModule(await database.createDatabase(), () => ({
      host: 'uc1.test',
      port: 0,
      bind: '127.0.0.1',
      discovery: false,
      encryption: 'none',
      dataDir,
    }));
    const app: INestApplicationContext = await NestFactory.createApplicationContext(module, {
      logger: ['error'],
      abortOnError: false,
    });
    try {
      await app.init();
      expect(app.get<MeshConfig>(MESH_CONFIG)).toMatchObject({
        host: 'uc1.test',
        discovery: false,
        encryption: 'none',
        requestTimeoutMs: 5000,
      });
    } finally {
      await app.close();
    }
  });
});
