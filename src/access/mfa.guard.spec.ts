import { ForbiddenException, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type AuthUser } from './access.types.js';
import { RequireMfa } from './require-mfa.decorator.js';
import { MfaGuard } from './mfa.guard.js';

class Routes {
  @RequireMfa()
  guarded(): void {}

  open(): void {}
}

function contextFor(handler: keyof Routes, user?: Partial<AuthUser>): ExecutionContext {
  return {
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => ({ user }) }),
  } as unknown as ExecutionContext;
}

describe('MfaGuard', () => {
  const guard = new MfaGuard(new Reflector());

  it('lets a second-factor session through a @RequireMfa() route', () => {
    expect(guard.canActivate(contextFor('guarded', { amr: ['pwd', 'otp'], mfaEnabled: true }))).toBe(true);
  });

  it('refuses a password-only session of a user who has a second factor (403)', () => {
    expect(() => guard.canActivate(contextFor('guarded', { amr: ['pwd'], mfaEnabled: true }))).toThrow(ForbiddenException);
    expect(() => guard.canActivate(contextFor('guarded'))).toThrow(ForbiddenException);
  });

  it('lets a user without a second factor through: the route answers that case itself (409)', () => {
    expect(guard.canActivate(contextFor('guarded', { amr: ['pwd'], mfaEnabled: false }))).toBe(true);
  });

  it('leaves routes without the decorator alone', () => {
    expect(guard.canActivate(contextFor('open', { amr: ['pwd'] }))).toBe(true);
  });
});
