import { Module } from '@nestjs/common';
import { RedisConnection } from './redis.provider.js';

@Module({ providers: [RedisConnection], exports: [RedisConnection] })
export class RedisModule {}
