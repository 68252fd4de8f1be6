import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import { type AppConfig } from '../config/app-config.js';
import { ConfigError } from '../config/config.error.js';
import { Role } from '../generated/prisma/enums.js';
import { PasswordHasher } from '../passwords/password-hasher.js';
import { PasswordPolicy } from '../passwords/password-policy.js';
import { UsersService } from './users.service.js';

/**
 * The first ADMIN comes from ADMIN_EMAIL / ADMIN_PASSWORD at start-up: created when absent (the
 * password policy applies); an existing account is promoted only when ADMIN_PASSWORD is its password
 * (anyone can sign up with an email they do not own), otherwise an error is logged and start-up goes on.
 */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('AdminBootstrap');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly users: UsersService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.admin;
    if (!admin) return;
    const existing = await this.users.findWithPassword(admin.email);
    if (existing) {
      if (existing.role === Role.ADMIN) return;
      // Sign-up proves nothing about the mailbox: only the holder of ADMIN_PASSWORD gets the role.
      if (admin.password === undefined || !(await this.hasher.verify(existing.passwordHash, admin.password))) {
        this.logger.error(
          `ADMIN_EMAIL ${admin.email} belongs to an existing account whose password is not ADMIN_PASSWORD: not promoted. ` +
            'Sign in as that account and change its password, or choose another ADMIN_EMAIL.',
        );
        return;
      }
      // Start-up has no client: the event is role.changed by the user itself, without address or agent.
      await this.users.changeRole(existing.id, Role.ADMIN, existing.id, { ip: undefined, userAgent: undefined });
      this.logger.log(`promoted user ${existing.id} (ADMIN_EMAIL) to ADMIN`);
      return;
    }
    if (admin.password === undefined) throw new ConfigError('ADMIN_PASSWORD', `is required to create the admin ${admin.email}`);
    const problems = this.policy.problems(admin.password, 'ADMIN_PASSWORD');
    if (problems.length > 0) throw new ConfigError('ADMIN_PASSWORD', problems[0].replace(/^ADMIN_PASSWORD /, ''));
    const passwordHash = await this.hasher.hash(admin.password);
    const id = await this.users.createAdmin(admin.email, passwordHash);
    this.logger.log(`created the admin user ${id} (ADMIN_EMAIL)`);
  }
}
