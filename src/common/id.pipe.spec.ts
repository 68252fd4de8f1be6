import { BadRequestException, NotFoundException } from '@nestjs/common';
import { ParseIdPipe, ParseUuidOr404Pipe } from './id.pipe.js';

describe('ParseIdPipe', () => {
  const pipe = new ParseIdPipe();

  it.each([
    ['1', 1],
    ['42', 42],
    ['2147483647', 2_147_483_647],
  ])('%j is the id %d', (text, id) => {
    expect(pipe.transform(text)).toBe(id);
  });

  it.each([
    '0',
    '-1',
    '1.5',
    'abc',
    '',
    ' 1',
    '1 ',
    '01',
    '+1',
    '1e3',
    '0x10',
    '2147483648',
    '99999999999',
    '9'.repeat(40),
    'Infinity',
    'NaN',
  ])('%j is a 400', (text) => {
    expect(() => pipe.transform(text)).toThrow(BadRequestException);
    try {
      pipe.transform(text);
    } catch (error) {
      expect((error as BadRequestException).getStatus()).toBe(400);
      expect((error as BadRequestException).message).toMatch(/id/);
    }
  });
});

describe('ParseUuidOr404Pipe', () => {
  const pipe = new ParseUuidOr404Pipe();
  const param = { type: 'param', data: 'id' } as const;

  it('returns a UUID as given (the uuid columns compare it whatever its case)', async () => {
    await expect(pipe.transform('0f8fad5b-d9cb-469f-a165-70867728950e', param)).resolves.toBe('0f8fad5b-d9cb-469f-a165-70867728950e');
    await expect(pipe.transform('0F8FAD5B-D9CB-469F-A165-70867728950E', param)).resolves.toBe('0F8FAD5B-D9CB-469F-A165-70867728950E');
  });

  it.each([
    '',
    'abc',
    '1',
    '0f8fad5b-d9cb-469f-a165-70867728950',
    '0f8fad5b-d9cb-469f-a165-70867728950e0',
    '0f8fad5bd9cb469fa16570867728950e',
    'zf8fad5b-d9cb-469f-a165-70867728950e',
    "' OR 1=1 --",
  ])('%j is a 404, not a 400 or a query error', async (text) => {
    await expect(pipe.transform(text, param)).rejects.toThrow(NotFoundException);
  });
});
