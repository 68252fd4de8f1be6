import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { AuditModule } from '../audit/audit.module.js';
import { APP_CONFIG } from '../config/config.module.js';
import { EmailTokensModule } from '../email-tokens/email-tokens.module.js';
import { LimitsModule } from '../limits/limits.module.js';
import { MfaModule } from '../mfa/mfa.module.js';
import { PasswordsModule } from '../passwords/passwords.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccessTokenGuard } from '../access/access-token.guard.js';
import { MfaGuard } from '../access/mfa.guard.js';
import { RolesGuard } from '../access/roles.guard.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { EmailFlowsController } from './email-flows.controller.js';
import { EmailVerificationService } from './email-verification.service.js';
import { JwksController } from './jwks.controller.js';
import { MfaSigninController } from './mfa-signin.controller.js';
import { MfaSigninService } from './mfa-signin.service.js';
import { PasswordResetService } from './password-reset.service.js';
import { AccessTokenStrategy } from './strategies/access-token.strategy.js';
import { RefreshTokenStrategy } from './strategies/refresh-token.strategy.js';
import { TOKEN_KEYS } from './token.constants.js';
import { tokenKeysFrom } from './token-keys.js';
import { TokenService } from './token.service.js';

@Module({
  imports: [
    PassportModule,
    JwtModule.register({}),
    UsersModule,
    SessionsModule,
    AuditModule,
    EmailTokensModule,
    MfaModule,
    PasswordsModule,
    LimitsModule,
  ],
  controllers: [AuthController, MfaSigninController, JwksController, EmailFlowsController],
  providers: [
    { provide: TOKEN_KEYS, useFactory: tokenKeysFrom, inject: [APP_CONFIG] },
    AuthService,
    MfaSigninService,
    TokenService,
    EmailVerificationService,
    PasswordResetService,
    AccessTokenStrategy,
    RefreshTokenStrategy,
    // Order matters: authenticate first, then check roles and the second factor.
    { provide: APP_GUARD, useClass: AccessTokenGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
    { provide: APP_GUARD, useClass: MfaGuard },
  ],
})
export class AuthModule {}
