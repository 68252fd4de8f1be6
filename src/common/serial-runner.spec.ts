import { SerialRunner } from './serial-runner.js';

/** Lets every pending promise callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Rounds that each wait until the test finishes them, counting how many began. */
function heldRounds(moreWork: boolean) {
  const waiting: Array<() => void> = [];
  let began = 0;
  return {
    round: () => {
      began += 1;
      return new Promise<boolean>((resolve) => waiting.push(() => resolve(moreWork)));
    },
    began: () => began,
    finishOne: async () => {
      const finish = waiting.shift();
      if (!finish) throw new Error('no round is waiting');
      finish();
      await settle();
    },
  };
}

describe('SerialRunner', () => {
  it('repeats the round while it reports more work, then ends', async () => {
    let left = 3;
    const runner = new SerialRunner(
      async () => (left -= 1) > 0,
      () => undefined,
    );
    await runner.run();
    expect(left).toBe(0);
  });

  it('a call during a run joins that run and makes it go round once more, not once per call', async () => {
    const held = heldRounds(false);
    const runner = new SerialRunner(held.round, () => undefined);
    const first = runner.run();
    expect(runner.run()).toBe(first);
    expect(runner.run()).toBe(first);
    await held.finishOne();
    expect(held.began()).toBe(2);
    await held.finishOne();
    await first;
    expect(held.began()).toBe(2);
  });

  it('a round that throws ends the run and reaches onError; the next run starts afresh', async () => {
    const errors: string[] = [];
    let fail = true;
    let rounds = 0;
    const runner = new SerialRunner(
      async () => {
        rounds += 1;
        if (fail) throw new Error('database away');
        return false;
      },
      (error) => errors.push(error.message),
    );
    await runner.run();
    expect(errors).toEqual(['database away']);
    expect(rounds).toBe(1);
    fail = false;
    await runner.run();
    expect(rounds).toBe(2);
    expect(errors).toHaveLength(1);
  });

  it('stop() waits for the round in progress, ends the run there, and no run starts after it', async () => {
    const held = heldRounds(true);
    const runner = new SerialRunner(held.round, () => undefined);
    const running = runner.run();
    let stopped = false;
    const stopping = runner.stop().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    await held.finishOne();
    await stopping;
    await running;
    expect(held.began()).toBe(1);
    await runner.run();
    expect(held.began()).toBe(1);
  });
});
