import { Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher.js';
import { PasswordPolicy } from './password-policy.js';

/** Hashing (argon2id) and the policy a new password must meet; shared by auth and users (the bootstrap admin). */
@Module({ providers: [PasswordHasher, PasswordPolicy], exports: [PasswordHasher, PasswordPolicy] })
export class PasswordsModule {}
