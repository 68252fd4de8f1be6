import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { optionsFromEnvironment } from './resource-server.options.js';

const options = optionsFromEnvironment(process.env);
const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(options), new FastifyAdapter());
const port = Number(process.env.PORT ?? 4000);
await app.listen({ port, host: '0.0.0.0' });
console.log(`resource server on http://localhost:${port}, trusting ${options.jwksUri}`);
