import { HashingBusyException, PasswordHasher } from './password-hasher.js';

describe('PasswordHasher', () => {
  it('verifies what it hashed, NFKC-normalised; a malformed stored hash is a mismatch, not an error', async () => {
    const hasher = new PasswordHasher();
    hasher.onModuleInit();
    const hash = await hasher.hash('caf\u00e9 au lait');
    expect(await hasher.verify(hash, 'cafe\u0301 au lait')).toBe(true);
    expect(await hasher.verify(hash, 'cafe au lait')).toBe(false);
    expect(await hasher.verify('not-a-hash', 'anything')).toBe(false);
    expect(await hasher.verify(undefined, 'anything')).toBe(false);
  });

  it('does not hold start-up for the dummy hash: an unknown user is verified against it once it is made', async () => {
    const hasher = new PasswordHasher({ concurrency: 1, maxQueuedPerSlot: 3 });
    expect(hasher.onModuleInit()).toBeUndefined();
    // Queued behind the dummy hash started above, then verified against it: a mismatch, never an error.
    expect(await hasher.verify(undefined, 'anything')).toBe(false);
    expect(await hasher.verify(undefined, 'anything')).toBe(false);
  });

  it('bounds its queue: past concurrency x maxQueuedPerSlot waiting, new work is refused at once with a 503 + Retry-After', async () => {
    const hasher = new PasswordHasher({ concurrency: 1, maxQueuedPerSlot: 3 });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => hasher.hash(`password-${i}`)));
    const accepted = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const refused = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    // One runs, three wait; the other six are refused.
    expect(accepted).toHaveLength(4);
    expect(refused).toHaveLength(6);
    for (const { reason } of refused) {
      expect(reason).toBeInstanceOf(HashingBusyException);
      expect((reason as HashingBusyException).getStatus()).toBe(503);
      expect((reason as HashingBusyException).retryAfterSeconds).toBeGreaterThan(0);
    }
    // Once the queue has drained, work is accepted again.
    await expect(hasher.verify(await hasher.hash('again-1'), 'again-1')).resolves.toBe(true);
  });
});
