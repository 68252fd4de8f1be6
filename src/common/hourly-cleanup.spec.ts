import { HourlyCleanup } from './hourly-cleanup.js';

class FakeCleanup extends HourlyCleanup {
  purged = 0;
  constructor(private readonly failure?: Error) {
    super('FakeCleanup', 'fake row');
  }

  get log() {
    return this.logger;
  }

  protected async purge(): Promise<void> {
    if (this.failure) throw this.failure;
    this.purged += 1;
  }
}

describe('HourlyCleanup', () => {
  it('run() purges', async () => {
    const cleanup = new FakeCleanup();
    await cleanup.run();
    expect(cleanup.purged).toBe(1);
  });

  it('a failing purge is logged as a warning naming the job, and run() does not throw', async () => {
    const cleanup = new FakeCleanup(new Error('database away'));
    const warnings: unknown[] = [];
    cleanup.log.warn = (message: unknown) => warnings.push(message);
    await expect(cleanup.run()).resolves.toBeUndefined();
    expect(warnings).toEqual(['fake row clean-up failed: database away']);
  });
});
