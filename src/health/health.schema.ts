import { type SchemaObject } from '@nestjs/swagger';

const indicators = (example: object): SchemaObject => ({
  type: 'object',
  example,
  additionalProperties: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['up', 'down'] } },
    additionalProperties: true,
  },
});

/** @nestjs/terminus's body: `{ status, info, error, details }`, one entry per indicator (here: `database`). */
export function healthBodySchema(outcome: 'ok' | 'error'): SchemaObject {
  const database = outcome === 'ok' ? { database: { status: 'up' } } : { database: { status: 'down' } };
  return {
    type: 'object',
    required: ['status', 'details'],
    properties: {
      status: { type: 'string', enum: outcome === 'ok' ? ['ok'] : ['error', 'shutting_down'] },
      info: { ...indicators(outcome === 'ok' ? database : {}), nullable: true },
      error: { ...indicators(outcome === 'ok' ? {} : database), nullable: true },
      details: indicators(database),
    },
  };
}
