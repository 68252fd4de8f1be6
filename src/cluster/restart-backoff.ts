/** Crashes further back than this no longer count: a worker that ran this long brings the delay back to the first. */
export const CRASH_WINDOW_MS = 60_000;
export const FIRST_RESTART_DELAY_MS = 1000;
export const MAX_RESTART_DELAY_MS = 30_000;

/**
 * How long to wait before replacing a worker that died: 1 s after the first crash of the last minute, doubled for
 * each further one, at most 30 s. A worker that crashes as soon as it serves would otherwise be forked in a loop.
 */
export class RestartBackoff {
  private crashes: number[] = [];

  /** Records a crash at `now` (ms) and returns the delay before the replacement. */
  crashed(now: number): number {
    this.crashes = this.crashes.filter((at) => now - at < CRASH_WINDOW_MS);
    this.crashes.push(now);
    return Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (this.crashes.length - 1));
  }
}
