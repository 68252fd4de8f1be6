import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import request from 'supertest';
import { AUDIT_EVENT_TYPES } from '../../src/audit/audit-event-types.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, bearer, signIn, signUp, uniqueEmail, type Session } from '../support/api.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const ROWS = 1_000_000;
const USERS = 10_000;
const RARE_TYPE = 'user.deleted';
const PLANS_FILE = fileURLToPath(new URL('../output/audit-query-plans.txt', import.meta.url));

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/** Rows a scan node looked at: those it returned and those its filters threw away. */
const rowsRead = (node: PlanNode) =>
  (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) * node['Actual Loops'];

/**
 * The statements the service really sends for the event routes, captured from the pg clients under Prisma,
 * are EXPLAINed (ANALYZE) over a million events: index scans that look at about a page of rows (so any sort
 * above them sorts that few), never a sequential scan of the table. The plans land in test/output/.
 */
describe('audit event queries over a million rows', () => {
  let t: TestApp;
  let admin: Session;
  let user: Session;
  const captured: { text: string; values: unknown[] }[] = [];
  const originalQuery = pg.Client.prototype.query;
  const report: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_EMAIL, ADMIN_PASSWORD });
    admin = await signIn(t.http, ADMIN_EMAIL, ADMIN_PASSWORD);
    user = await signUp(t.http, uniqueEmail('plans'));
    const common = AUDIT_EVENT_TYPES.filter((type) => type !== RARE_TYPE);
    const types = `ARRAY[${common.map((type) => `'${type}'`).join(',')}]`;
    // Spread over 10 000 users, one event every 7 s of the last ~81 days in id order; one in a thousand of RARE_TYPE.
    // A connection of its own: the service's pool bounds each statement by DATABASE_TIMEOUT.
    const bulk = new pg.Client({ connectionString: t.database.url });
    await bulk.connect();
    await bulk.query(`
      INSERT INTO audit_events (type, created_at, user_id, session_id, ip, user_agent, detail)
      SELECT CASE WHEN i % 1000 = 0 THEN '${RARE_TYPE}' ELSE (${types})[1 + i % ${common.length}] END, now() - (${ROWS} - i) * interval '7 seconds',
             1000 + i % ${USERS}, gen_random_uuid(), '192.0.2.1', 'bench-agent/1.0', '{}'
      FROM generate_series(1, ${ROWS}) AS i`);
    await bulk.query('ANALYZE audit_events');
    await bulk.end();
  }, 240_000);

  afterAll(async () => {
    pg.Client.prototype.query = originalQuery;
    mkdirSync(fileURLToPath(new URL('../output', import.meta.url)), { recursive: true });
    writeFileSync(PLANS_FILE, report.join('\n'));
    await t?.close();
  }, 30_000);

  /** Sends the request and returns the one SELECT on audit_events that it made. */
  async function statementOf(send: () => Promise<unknown>): Promise<{ text: string; values: unknown[] }> {
    captured.length = 0;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const [config, values] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
      const text = typeof config === 'string' ? config : config.text;
      if (/^\s*SELECT[\s\S]*"audit_events"/i.test(text))
        captured.push({ text, values: (typeof config === 'string' ? values : config.values) ?? [] });
      return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof pg.Client.prototype.query;
    try {
      await send();
    } finally {
      pg.Client.prototype.query = originalQuery;
    }
    expect(captured).toHaveLength(1);
    return captured[0];
  }

  async function expectIndexPlan(name: string, send: () => Promise<unknown>, maxRowsRead: number) {
    const statement = await statementOf(send);
    const explain = (format: string) => t.prisma.pool.query(`EXPLAIN (ANALYZE, ${format}) ${statement.text}`, statement.values);
    const [plan] = (await explain('FORMAT JSON')).rows[0]['QUERY PLAN'] as [{ Plan: PlanNode }];
    const text = (await explain('COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT TEXT')).rows.map((row) => row['QUERY PLAN'] as string);
    report.push(`-- ${name}`, statement.text, ...text, '');
    const nodes = nodesOf(plan.Plan);
    const types = nodes.map((node) => node['Node Type']);
    expect({ name, types }).toEqual({ name, types: expect.arrayContaining([expect.stringMatching(/Index (Only )?Scan$/)]) });
    expect({ name, types }).toEqual({ name, types: expect.not.arrayContaining(['Seq Scan']) });
    const read = Math.max(...nodes.filter((node) => node['Node Type'].endsWith('Scan')).map(rowsRead));
    expect({ name, read: read <= maxRowsRead }).toEqual({ name, read: true });
    return plan.Plan;
  }

  const own = (query: string) => () => request(t.http).get(`/auth/events${query}`).set(bearer(user.accessToken)).expect(200);
  const all = (query: string) => () => request(t.http).get(`/admin/events${query}`).set(bearer(admin.accessToken)).expect(200);

  it('holds a million events', async () => {
    expect(await t.prisma.auditEvent.count()).toBeGreaterThanOrEqual(ROWS);
  });

  it("GET /auth/events: the user's newest events, and the next page", async () => {
    // The busiest user of the table, so that a page is full.
    await t.prisma.auditEvent.createMany({ data: Array.from({ length: 60 }, () => ({ type: 'signin', userId: user.id })) });
    await expectIndexPlan('own, first page', own(''), 50);
    await expectIndexPlan('own, next page', own('?before=1000000&take=100'), 100);
  });

  it('GET /admin/events: unfiltered, by user, by type, by both, with a cursor', async () => {
    await expectIndexPlan('admin, unfiltered', all(''), 50);
    await expectIndexPlan('admin, unfiltered, next page', all('?before=500000'), 50);
    await expectIndexPlan('admin, by user', all('?userId=1234'), 50);
    // A common type (1 in 11) is found walking the primary key; a rare one (1 in 1000) through (type, id).
    await expectIndexPlan('admin, by a common type', all('?type=role.changed'), 50 * 11 * 2);
    await expectIndexPlan('admin, by a common type, next page', all('?type=signout&before=300000&take=100'), 100 * 11 * 2);
    const rare = await expectIndexPlan('admin, by a rare type', all(`?type=${RARE_TYPE}`), 50);
    expect(JSON.stringify(rare)).toContain('audit_events_type_id_idx');
    await expectIndexPlan('admin, by a rare type, next page', all(`?type=${RARE_TYPE}&before=500000`), 50);
    // A user has ~100 events here; those of one type are found among them.
    await expectIndexPlan('admin, by user and type', all('?userId=1234&type=signin'), 2 * (ROWS / USERS));
  });
});
