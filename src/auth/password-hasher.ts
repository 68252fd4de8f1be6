import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import argon2 from 'argon2';

/** argon2id at OWASP's minimum: 19 MiB of memory, 2 iterations, 1 lane. */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * argon2 runs on libuv's thread pool, which it shares with the rest of the process's blocking work,
 * among which the key derivation of every new PostgreSQL connection (SCRAM: WebCrypto PBKDF2). Were
 * every sign-in's hash queued there at once, a burst of sign-ins would put a new database connection
 * behind all of them: seconds, past DATABASE_TIMEOUT, so 503s. At most one thread fewer than the pool
 * has runs argon2, and no more than there are cores (each hash keeps a core busy and holds 19 MiB:
 * more at once only adds memory); the other hashes wait here.
 */
const ARGON2_CONCURRENCY = Math.max(1, Math.min(availableParallelism(), (Number(process.env.UV_THREADPOOL_SIZE) || 4) - 1));

/** Runs at most `limit` tasks at a time, the others in arrival order. */
class Gate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // the slot is handed over
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/**
 * Hashes and verifies passwords. Passwords are NFKC-normalised first (NIST SP 800-63B), so the
 * same password typed on two keyboards that compose accents differently still matches.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  /** Verified against when the email is unknown, so both sign-in failures cost one argon2 verify. */
  private dummyHash = '';
  private readonly gate = new Gate(ARGON2_CONCURRENCY);

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash(randomBytes(16).toString('hex'));
  }

  hash(password: string): Promise<string> {
    return this.gate.run(() => argon2.hash(password.normalize('NFKC'), ARGON2_OPTIONS));
  }

  /** Never throws for a malformed stored hash: that is a mismatch. */
  async verify(hash: string | undefined, password: string): Promise<boolean> {
    try {
      const matches = await this.gate.run(() => argon2.verify(hash ?? this.dummyHash, password.normalize('NFKC')));
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
