/**
 * Runs a background job one run at a time per instance. A run repeats `round` while it reports more work;
 * a `run()` during a run joins it and makes it go round once more, so work queued meanwhile is not missed.
 * A round that throws ends the run (`onError`); the next `run()` starts afresh. After `stop()` nothing starts.
 * Hand-written: a few lines, where a queue library would bring a scheduler of its own.
 */
export class SerialRunner {
  private running: Promise<void> | undefined;
  private again = false;
  private halted = false;

  /** `round` does one piece of work and returns true when more may be waiting. */
  constructor(
    private readonly round: () => Promise<boolean>,
    private readonly onError: (error: Error) => void,
  ) {}

  get stopped(): boolean {
    return this.halted;
  }

  /** Starts a run, or asks the current one to go round again; resolves when that run has ended. */
  run(): Promise<void> {
    if (this.halted) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** No run starts from now on; resolves when the current one has ended. */
  async stop(): Promise<void> {
    this.halted = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        if (await this.round()) this.again = true;
      } while (this.again && !this.halted);
    } catch (error) {
      this.onError(error as Error);
    }
  }
}
