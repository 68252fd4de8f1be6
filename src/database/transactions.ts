import { Injectable } from '@nestjs/common';
import { type Prisma } from '../generated/prisma/client.js';
import { PrismaService } from './prisma.service.js';

/** A unit of work in progress: its transaction client, and side effects to run once it has committed. */
export interface Transaction {
  readonly db: Prisma.TransactionClient;
  /**
   * Runs `effect` after the commit (never after a rollback). Effects with the same `key` run once per
   * transaction, so that several revocations in one unit tell the other instances once.
   */
  afterCommit(key: string, effect: () => Promise<void>): void;
}

/**
 * Runs units of work in a transaction and then their after-commit effects: a side effect that must
 * follow a commit (telling other instances of a revocation) is registered where the change is made,
 * not remembered by each caller.
 */
@Injectable()
export class Transactions {
  constructor(private readonly prisma: PrismaService) {}

  async run<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
    const effects = new Map<string, () => Promise<void>>();
    const result = await this.prisma.$transaction((db) =>
      work({
        db,
        afterCommit: (key, effect) => {
          if (!effects.has(key)) effects.set(key, effect);
        },
      }),
    );
    for (const effect of effects.values()) await effect();
    return result;
  }
}
