import { BadRequestException } from '@nestjs/common';
import { type FastifyInstance } from 'fastify';

/** Deeper bodies are refused (400): class-transformer recurses once per level and overflows the stack near 2,000. */
export const MAX_JSON_DEPTH = 32;

/**
 * Fastify's own JSON parser (which refuses `__proto__` and `constructor` keys), followed by a depth check.
 * No contract body is more than two levels deep.
 */
export function registerJsonParser(fastify: FastifyInstance): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parse(request, body as string, (error: Error | null, value?: unknown) => {
      if (error) return done(error, undefined);
      if (depthOf(value) > MAX_JSON_DEPTH) return done(tooDeep(), undefined);
      done(null, value);
    });
  });
}

/** Nesting depth, counted without recursion (the body may be built to overflow a recursive walk). */
export function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_JSON_DEPTH) return deepest;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function tooDeep(): Error {
  return new BadRequestException(`JSON body nested more than ${MAX_JSON_DEPTH} levels deep`);
}
