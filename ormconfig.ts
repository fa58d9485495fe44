// DataSource for the TypeORM CLI (`npm run typeorm -- migration:generate src/<module>/migrations/<Name>`).
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { nodeEntities, nodeMigrations } from './src/database/node-schema.js';

export default new DataSource({
  type: 'postgres',
  url: process.env.DATABASE_URL,
  entities: nodeEntities,
  migrations: nodeMigrations,
});
