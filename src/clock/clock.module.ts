import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock.js';

/** Provides the Clock everywhere (the wall clock; tests override the provider). */
@Global()
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }],
  exports: [Clock],
})
export class ClockModule {}
