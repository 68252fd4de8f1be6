import { Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';

const CLEANUP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * An hourly clean-up job: `purge` deletes what has outlived its use and logs what it deleted. A failure (the
 * database away for a moment) is logged, and the next hour catches up.
 */
export abstract class HourlyCleanup {
  protected readonly logger: Logger;

  /** `context` names the logger; `job` names what is cleaned up in the failure warning. */
  protected constructor(
    context: string,
    private readonly job: string,
  ) {
    this.logger = new Logger(context);
  }

  protected abstract purge(): Promise<void>;

  @Interval(CLEANUP_INTERVAL_MS)
  async run(): Promise<void> {
    try {
      await this.purge();
    } catch (error) {
      this.logger.warn(`${this.job} clean-up failed: ${(error as Error).message}`);
    }
  }
}
