import { Injectable, UnauthorizedException } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { REFRESH_STRATEGY } from '../strategies/refresh-token.strategy.js';

@Injectable()
export class RefreshTokenGuard extends AuthGuard(REFRESH_STRATEGY) {
  override handleRequest<T>(error: unknown, user: T | false): T {
    if (error) throw error;
    if (!user) throw new UnauthorizedException('invalid refresh token');
    return user;
  }
}
