import { backoffSeconds, MAX_BACKOFF_SECONDS } from './mail-outbox.service.js';

describe('outbox retry backoff', () => {
  it('doubles from 1 s with each attempt, up to the cap', () => {
    expect([1, 2, 3, 4, 5].map(backoffSeconds)).toEqual([1, 2, 4, 8, 16]);
    expect(backoffSeconds(30)).toBe(MAX_BACKOFF_SECONDS);
    expect(backoffSeconds(1000)).toBe(MAX_BACKOFF_SECONDS);
  });
});
