import { Global, Logger, Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import { type AppConfig } from '../config/app-config.js';
import { DATABASE_SERVER, embeddedDatabase, externalDatabase, type DatabaseServer } from './database-server.js';
import { migrate } from './migrator.js';
import { PrismaService } from './prisma.service.js';
import { Transactions } from './transactions.js';

async function connectDatabase(config: AppConfig): Promise<DatabaseServer> {
  const logger = new Logger('Database');
  const server = config.databaseUrl ? externalDatabase(config.databaseUrl) : await embeddedDatabase();
  if (server.embedded) logger.log('DATABASE_URL is unset: started the embedded PostgreSQL under .data/postgres');
  try {
    const applied = await migrate(server.url);
    if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

@Global()
@Module({
  providers: [{ provide: DATABASE_SERVER, useFactory: connectDatabase, inject: [APP_CONFIG] }, PrismaService, Transactions],
  exports: [PrismaService, Transactions, DATABASE_SERVER],
})
export class DatabaseModule {}
