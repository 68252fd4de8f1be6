import { ForbiddenException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type AuthUser } from './access.types.js';
import { RequireMfa } from './require-mfa.decorator.js';

/**
 * Global guard (APP_GUARD, after the access-token guard): enforces @RequireMfa() on handler or class. A user
 * who has a second factor must use a session that verified it (403 otherwise); a user who has none passes,
 * and the route answers that case itself (turning off a second factor that is not on: 409).
 */
@Injectable()
export class MfaGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.reflector.getAllAndOverride(RequireMfa, [context.getHandler(), context.getClass()])) return true;
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (!user || (user.mfaEnabled && !user.amr.includes('otp')))
      throw new ForbiddenException('this requires a session signed in with a second factor (amr "otp")');
    return true;
  }
}
