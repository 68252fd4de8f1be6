import { type PrismaService } from './prisma.service.js';
import { Transactions } from './transactions.js';

/** A PrismaService whose $transaction runs the work on a marker client (and rethrows as a rollback). */
function fakePrisma(log: string[]) {
  const db = { marker: 'tx' };
  return {
    db,
    prisma: {
      async $transaction<T>(work: (client: typeof db) => Promise<T>): Promise<T> {
        const result = await work(db);
        log.push('commit');
        return result;
      },
    } as unknown as PrismaService,
  };
}

describe('Transactions', () => {
  it('runs the work on the transaction client, then each after-commit effect once per key, after the commit', async () => {
    const log: string[] = [];
    const { db, prisma } = fakePrisma(log);
    const result = await new Transactions(prisma).run(async (transaction) => {
      expect(transaction.db).toBe(db);
      transaction.afterCommit('sync', async () => void log.push('sync'));
      transaction.afterCommit('sync', async () => void log.push('sync again'));
      transaction.afterCommit('mail', async () => void log.push('mail'));
      log.push('work');
      return 42;
    });
    expect(result).toBe(42);
    expect(log).toEqual(['work', 'commit', 'sync', 'mail']);
  });

  it('runs no effect when the work fails (rolled back)', async () => {
    const log: string[] = [];
    const { prisma } = fakePrisma(log);
    const failing = new Transactions(prisma).run(async (transaction) => {
      transaction.afterCommit('sync', async () => void log.push('sync'));
      throw new Error('conflict');
    });
    await expect(failing).rejects.toThrow('conflict');
    expect(log).toEqual([]);
  });
});
