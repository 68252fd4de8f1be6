import { Logger, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type AppConfig } from '../config/app-config.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { MfaAdminController } from './mfa-admin.controller.js';
import { MfaChallenges } from './mfa-challenges.service.js';
import { mfaKeyFrom } from './mfa-key.js';
import { MfaController } from './mfa.controller.js';
import { MfaService } from './mfa.service.js';
import { MFA_SECRET_BOX, SecondFactor } from './second-factor.service.js';
import { SecretBox } from './secret-box.js';

function secretBox(config: AppConfig): SecretBox {
  const { key, generated } = mfaKeyFrom(config);
  if (generated)
    new Logger('Mfa').warn('MFA_ENCRYPTION_KEY is unset: TOTP secrets are encrypted with the key kept in .data/mfa-encryption.key');
  return new SecretBox(key);
}

/**
 * The second factor: TOTP enrolment and removal (routes under /auth/mfa, DELETE /users/:id/mfa), and what
 * the sign-in's second step needs (SecondFactor, MfaChallenges), exported to the auth module.
 */
@Module({
  imports: [SessionsModule, AuditModule],
  controllers: [MfaController, MfaAdminController],
  providers: [{ provide: MFA_SECRET_BOX, useFactory: secretBox, inject: [APP_CONFIG] }, SecondFactor, MfaChallenges, MfaService],
  exports: [SecondFactor, MfaChallenges],
})
export class MfaModule {}
