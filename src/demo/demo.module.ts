import { Module } from '@nestjs/common';
import { DemoController } from './demo.controller.js';

/** The demo web client at /demo: static files, no providers. */
@Module({ controllers: [DemoController] })
export class DemoModule {}
