import { Module, type DynamicModule } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AuthServiceStrategy } from './auth-service.strategy.js';
import { ProfileController } from './profile.controller.js';
import { RESOURCE_SERVER_OPTIONS, type ResourceServerOptions } from './resource-server.options.js';

@Module({})
export class AppModule {
  static forRoot(options: ResourceServerOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [PassportModule],
      controllers: [ProfileController],
      providers: [{ provide: RESOURCE_SERVER_OPTIONS, useValue: options }, AuthServiceStrategy],
    };
  }
}
