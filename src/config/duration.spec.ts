import { parseDurationSeconds } from './duration.js';

describe('parseDurationSeconds', () => {
  it.each([
    ['900', 900],
    ['0', 0],
    ['10s', 10],
    ['15m', 900],
    ['1h', 3600],
    ['7d', 604_800],
    ['30d', 2_592_000],
    [' 15m ', 900],
    ['999999999', 999_999_999],
  ])('%j is %d seconds', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });

  it.each(['', ' ', 'abc', '15 m', '15M', '1.5m', '-5', '+5', '5w', '5ms', 'm', '1e3', '0x10', '15m30s'])(
    '%j is not a duration',
    (text) => {
      expect(parseDurationSeconds(text)).toBeUndefined();
    },
  );
});
