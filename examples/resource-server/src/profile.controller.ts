import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { AUTH_SERVICE_STRATEGY, type Caller } from './auth-service.strategy.js';

/** A protected route: only callers with a valid access token of the auth service reach it. */
@Controller()
export class ProfileController {
  @UseGuards(AuthGuard(AUTH_SERVICE_STRATEGY))
  @Get('profile')
  profile(@Req() request: { user: Caller }): Caller {
    return request.user;
  }
}
