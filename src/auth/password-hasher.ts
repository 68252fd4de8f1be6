import { randomBytes } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';

/** argon2id at OWASP's minimum: 19 MiB of memory, 2 iterations, 1 lane. */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * Hashes and verifies passwords. Passwords are NFKC-normalised first (NIST SP 800-63B), so the
 * same password typed on two keyboards that compose accents differently still matches.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  /** Verified against when the email is unknown, so both sign-in failures cost one argon2 verify. */
  private dummyHash = '';

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash(randomBytes(16).toString('hex'));
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password.normalize('NFKC'), ARGON2_OPTIONS);
  }

  /** Never throws for a malformed stored hash: that is a mismatch. */
  async verify(hash: string | undefined, password: string): Promise<boolean> {
    try {
      const matches = await argon2.verify(hash ?? this.dummyHash, password.normalize('NFKC'));
      return matches && hash !== undefined;
    } catch {
      return false;
    }
  }

  /** True when the hash was made with weaker parameters than today's: re-hash on the next sign-in. */
  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, ARGON2_OPTIONS);
  }
}
