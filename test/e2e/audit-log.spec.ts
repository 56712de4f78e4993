import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { canonicalJson, entryHash } from '@govmatrix/audit';
import { withClient } from '../support/database';
import { bearer, expectProblem, loginOperator, pointersOf } from '../support/fixtures';
import {
  AccountDto,
  accountHistory,
  AuditEntryDto,
  ChainDto,
  createAccount,
  createLedgerWorld,
  DEFAULT_SETTINGS,
  expectStatus,
  FilingDto,
  LedgerWorld,
  putLedgerSettings,
  submitFiling,
  verifyAudit,
} from '../support/ledger-fixtures';
import { startTestApp, TestApp } from '../support/test-app';

const run = promisify(execFile);

interface StoredEntry {
  seq: number;
  occurredAt: Date;
  actorKind: string;
  actorId: string | null;
  entityType: string;
  entityId: string;
  action: string;
  before: unknown;
  after: unknown;
  prevHash: Buffer;
  hash: Buffer;
}

const STORED_COLUMNS = `seq::int AS seq, occurred_at AS "occurredAt", actor_kind AS "actorKind", actor_id AS "actorId",
  entity_type AS "entityType", entity_id AS "entityId", action, before, after, prev_hash AS "prevHash", hash`;

/** The error a statement fails with (inside a savepoint, so the session goes on), or null when it succeeds. */
async function failureOf(db: Client, sql: string, params: unknown[] = []): Promise<{ code?: string; message: string } | null> {
  await db.query('BEGIN');
  try {
    await db.query(sql, params);
    return null;
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  } finally {
    await db.query('ROLLBACK');
  }
}

/**
 * A child process (its own time zone) that loads the product's entryHash from the TypeScript sources,
 * hashes a fixed record and recomputes the stored hashes of one tenant's chain read through node-postgres.
 */
const CHILD = `
const root = process.cwd();
const fs = require('fs');
const ts = require(root + '/node_modules/typescript');
const tsconfig = ts.readConfigFile(root + '/tsconfig.json', ts.sys.readFile).config;
require(root + '/node_modules/tsconfig-paths').register({ baseUrl: root, paths: tsconfig.compilerOptions.paths });
// No decorator metadata: the hash needs none of the injected classes (and loads in a fraction of the time).
const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, experimentalDecorators: true,
  emitDecoratorMetadata: false, esModuleInterop: true, resolveJsonModule: true };
require.extensions['.ts'] = (m, f) => m._compile(ts.transpileModule(fs.readFileSync(f, 'utf8'), { fileName: f, compilerOptions: options }).outputText, f);
const { entryHash } = require(root + '/libs/audit/src/audit.service.ts');
const { Client } = require(root + '/node_modules/pg');
(async () => {
  const fixed = JSON.parse(process.env.FIXED_RECORD);
  const fixedHash = entryHash(Buffer.alloc(32), { ...fixed, occurredAt: new Date(fixed.occurredAt) }).toString('hex');
  const db = new Client({ connectionString: process.env.OWNER_URL });
  await db.connect();
  const { rows } = await db.query(\`SELECT ${STORED_COLUMNS.replace(/\n/g, ' ')}, tenant_id AS "tenantId" FROM audit_log WHERE tenant_id = $1 ORDER BY seq\`, [process.env.TENANT_ID]);
  await db.end();
  const matched = rows.filter((r) => entryHash(r.prevHash, r).equals(r.hash)).length;
  const local = new Date(fixed.occurredAt);
  process.stdout.write(JSON.stringify({ offset: local.getTimezoneOffset(), localHour: local.getHours(), fixedHash, matched, total: rows.length }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe('the audit log', () => {
  let t: TestApp;
  let A: LedgerWorld;
  let B: LedgerWorld;
  let account: AccountDto;
  let bCount: number;

  const asOwner = <T>(work: (db: Client) => Promise<T>): Promise<T> => withClient(t.db.ownerUrl, work);
  const stored = (tenantId: string): Promise<StoredEntry[]> =>
    asOwner(async (db) => (await db.query(`SELECT ${STORED_COLUMNS} FROM audit_log WHERE tenant_id = $1 ORDER BY seq`, [tenantId])).rows);

  beforeAll(async () => {
    t = await startTestApp();
    const operator = await loginOperator(t);
    [A, B] = await Promise.all([createLedgerWorld(t, operator), createLedgerWorld(t, operator)]);
    // Tenant B has a little history of its own.
    await createAccount(t, B.operatorTx.session, { unitId: B.units['tx-gaj'], name: '天心公安' });
    await putLedgerSettings(t, B.admin, { closureFilingDays: 6 });
    bCount = 2;
  });
  afterAll(async () => t?.close());

  it('records every change of an account, its people and its filings, in order, with the actor and before/after', async () => {
    const unit = A.operatorTx;
    const office = A.auditorCs;
    expect(await verifyAudit(t, A.admin)).toEqual({ ok: true, checked: 0 });

    account = await createAccount(t, unit.session, { unitId: A.units['tx-gaj'], name: '天心公安' });
    const patch = await t.http
      .patch(`/v1/accounts/${account.id}`)
      .set(bearer(unit.session.token))
      .send({ name: '天心公安警务', url: 'https://weibo.com/txga' });
    expectStatus(patch, 200, 'patch');
    const editor = await t.http
      .put(`/v1/accounts/${account.id}/people/chief_editor`)
      .set(bearer(unit.session.token))
      .send({ name: '陈编辑', phone: '13700009999' });
    expectStatus(editor, 200, 'set editor');
    const added = expectStatus<ChainDto>(
      await t.http.post(`/v1/accounts/${account.id}/operators`).set(bearer(unit.session.token)).send({ name: '孙小编' }),
      201,
      'add operator',
    );
    const sun = added.operators.find((p) => p.name === '孙小编')!;
    expectStatus(await t.http.delete(`/v1/accounts/${account.id}/operators/${sun.id}`).set(bearer(unit.session.token)), 200, 'remove');
    const first = await submitFiling(t, unit.session, account.id, 'opening');
    expectStatus(
      await t.http
        .post(`/v1/filings/${first.id}/return`)
        .set(bearer(office.session.token))
        .send({ reasons: ['缺少签批'] }),
      200,
      'return',
    );
    const second = await submitFiling(t, unit.session, account.id, 'opening');
    expectStatus<FilingDto>(
      await t.http.post(`/v1/filings/${second.id}/accept`).set(bearer(office.session.token)).send({ note: '同意' }),
      200,
      'accept',
    );
    await putLedgerSettings(t, A.admin, { openingFilingDays: 12 });

    const history = await accountHistory(t, office.session, account.id);
    const summary = history.map((e) => [e.seq, e.entityType, e.entityId, e.action, e.actorKind, e.actorId]);
    expect(summary).toEqual([
      [1, 'account', account.id, 'create', 'user', unit.id],
      [2, 'account', account.id, 'update', 'user', unit.id],
      [3, 'account_person', account.id, 'set_chief_editor', 'user', unit.id],
      [4, 'account_person', account.id, 'add_operator', 'user', unit.id],
      [5, 'account_person', account.id, 'remove_operator', 'user', unit.id],
      [6, 'filing', first.id, 'submit', 'user', unit.id],
      [7, 'filing', first.id, 'return', 'user', office.id],
      [8, 'filing', second.id, 'resubmit', 'user', unit.id],
      [9, 'filing', second.id, 'accept', 'user', office.id],
    ]);
    const [create, update, setEditor, addOperator, removeOperator, submit, returned, resubmit, accept] = history;
    expect(create.before).toBeNull();
    expect(create.after).toMatchObject({ name: '天心公安', status: 'pending_filing', openedOn: '2026-09-28', openingDueOn: '2026-10-16' });
    expect((create.after as { people: { role: string; name: string }[] }).people.map((p) => [p.role, p.name])).toEqual(
      expect.arrayContaining([
        ['first_responsible', '李局长'],
        ['chief_editor', '张编辑'],
      ]),
    );
    expect(update.before).toMatchObject({ name: '天心公安', url: null });
    expect(update.after).toMatchObject({ name: '天心公安警务', url: 'https://weibo.com/txga' });
    expect(setEditor.before).toEqual([expect.objectContaining({ role: 'chief_editor', name: '张编辑', phone: '13812345678' })]);
    expect(setEditor.after).toMatchObject({ role: 'chief_editor', name: '陈编辑', phone: '13700009999', validTo: null });
    expect(addOperator.after).toMatchObject({ id: sun.id, name: '孙小编' });
    expect(removeOperator.before).toMatchObject({ id: sun.id, name: '孙小编' });
    expect(removeOperator.after).toBeNull();
    expect(submit.after).toMatchObject({ accountId: account.id, kind: 'opening', resubmissionOf: null, details: { approver: '李局长' } });
    expect(returned.before).toEqual({ status: 'submitted' });
    expect(returned.after).toEqual({ status: 'returned', reasons: ['缺少签批'] });
    expect(resubmit.after).toMatchObject({ resubmissionOf: first.id });
    expect(accept.after).toEqual({ status: 'accepted', note: '同意', accountStatus: 'active' });
    // Time moves forward with the sequence; each entry carries its SHA-256.
    const times = history.map((e) => Date.parse(e.occurredAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    history.forEach((e) => expect(e.hash).toMatch(/^[0-9a-f]{64}$/));

    // The settings change is the tenant's, not the account's: in the log (seq 10), not in the account's history.
    const all = await stored(A.tenant.id);
    expect(all.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(all[9]).toMatchObject({ entityType: 'tenant_settings', entityId: A.tenant.id, action: 'update_ledger', actorKind: 'user' });
    expect(all[9].before).toEqual(DEFAULT_SETTINGS);
    expect(all[9].after).toEqual({ ...DEFAULT_SETTINGS, openingFilingDays: 12 });
    expect(all.slice(0, 9).map((e) => e.hash.toString('hex'))).toEqual(history.map((e) => e.hash));
    // Each entry links to the one before.
    all.forEach((e, i) => expect(e.prevHash.equals(i === 0 ? Buffer.alloc(32) : all[i - 1].hash)).toBe(true));

    expect(await verifyAudit(t, A.admin)).toEqual({ ok: true, checked: 10 });
    expect(await verifyAudit(t, office.session)).toEqual({ ok: true, checked: 10 });
    expect(await verifyAudit(t, B.admin)).toEqual({ ok: true, checked: bCount });
  });

  it('pages the history with a cursor, and only auditors, admins and unit operators read it', async () => {
    const page1 = await t.http.get(`/v1/accounts/${account.id}/history`).query({ limit: 4 }).set(bearer(A.auditorCs.session.token));
    const body1 = expectStatus<{ items: AuditEntryDto[]; nextCursor?: string }>(page1, 200, 'page 1');
    expect(body1.items.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    const page2 = await t.http
      .get(`/v1/accounts/${account.id}/history`)
      .query({ limit: 4, cursor: body1.nextCursor })
      .set(bearer(A.operatorTx.session.token));
    expect(expectStatus<{ items: AuditEntryDto[] }>(page2, 200, 'page 2').items.map((e) => e.seq)).toEqual([5, 6, 7, 8]);
    expectProblem(await t.http.get(`/v1/accounts/${account.id}/history`).set(bearer(A.leadCs.session.token)), 403);
    expectProblem(await t.http.get('/v1/audit/verify').set(bearer(A.operatorTx.session.token)), 403);
    expectProblem(await t.http.get('/v1/audit/verify').set(bearer((await loginOperator(t)).token)), 403);
  });

  it('hashes the same in any time zone: children in UTC, Shanghai and New York agree with this process and the stored chain', async () => {
    const fixed = {
      tenantId: B.tenant.id,
      seq: 7,
      occurredAt: '2026-11-23T16:30:00.123Z',
      actorKind: 'user',
      actorId: null,
      entityType: 'account',
      entityId: '00000000-0000-4000-8000-000000000001',
      action: 'update',
      before: { name: '旧名', openedOn: '2026-09-28' },
      after: { name: '新名', openedOn: '2026-09-28' },
    };
    const here = entryHash(Buffer.alloc(32), { ...fixed, occurredAt: new Date(fixed.occurredAt) }).toString('hex');
    // The same instant written with an offset serializes identically.
    expect(canonicalJson({ at: new Date('2026-11-24T00:30:00.123+08:00') })).toBe(canonicalJson({ at: new Date(fixed.occurredAt) }));
    expect(canonicalJson({ at: new Date(fixed.occurredAt) })).toBe('{"at":"2026-11-23T16:30:00.123Z"}');

    const zones = ['UTC', 'Asia/Shanghai', 'America/New_York'];
    const results = await Promise.all(
      zones.map(async (TZ) => {
        const { stdout } = await run(process.execPath, ['-e', CHILD], {
          cwd: process.cwd(),
          env: { ...process.env, TZ, FIXED_RECORD: JSON.stringify(fixed), OWNER_URL: t.db.ownerUrl, TENANT_ID: B.tenant.id },
          timeout: 30_000,
        });
        return JSON.parse(stdout) as { offset: number; localHour: number; fixedHash: string; matched: number; total: number };
      }),
    );
    // The zones really differed …
    expect(results.map((r) => [r.offset, r.localHour])).toEqual([
      [0, 16],
      [-480, 0],
      [300, 11],
    ]);
    // … and the hashes did not.
    results.forEach((r) => expect(r).toMatchObject({ fixedHash: here, matched: bCount, total: bCount }));
  }, 60_000);

  it('refuses UPDATE, DELETE and TRUNCATE on the log, even to the owner (triggers), and to the app role (no grant)', async () => {
    await asOwner(async (db) => {
      const update = await failureOf(db, `UPDATE audit_log SET action = 'x' WHERE tenant_id = $1 AND seq = 1`, [A.tenant.id]);
      expect(update).toEqual({ code: '42501', message: 'audit_log is append-only (UPDATE refused)' });
      const del = await failureOf(db, `DELETE FROM audit_log WHERE tenant_id = $1 AND seq = 1`, [A.tenant.id]);
      expect(del).toEqual({ code: '42501', message: 'audit_log is append-only (DELETE refused)' });
      expect(await failureOf(db, `TRUNCATE audit_log`)).toEqual({ code: '42501', message: 'audit_log is append-only (TRUNCATE refused)' });
    });
    await withClient(t.db.appUrl, async (db) => {
      for (const sql of [`UPDATE audit_log SET action = 'x'`, `DELETE FROM audit_log`, `TRUNCATE audit_log`]) {
        expect(await failureOf(db, sql)).toEqual({ code: '42501', message: 'permission denied for table audit_log' });
      }
    });
    expect(await verifyAudit(t, A.admin)).toEqual({ ok: true, checked: 10 });
  });

  describe('tamper detection (the owner disables the trigger)', () => {
    const tamper = (sql: string, params: unknown[]) =>
      asOwner(async (db) => {
        await db.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete');
        try {
          await db.query(sql, params);
        } finally {
          await db.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete');
        }
      });

    it('a changed `after` is a hash_mismatch at that entry; restoring it makes the chain whole again', async () => {
      const original = (await stored(A.tenant.id))[1];
      await tamper(`UPDATE audit_log SET after = jsonb_set(after, '{name}', '"篡改的名字"') WHERE tenant_id = $1 AND seq = 2`, [
        A.tenant.id,
      ]);
      expect(await verifyAudit(t, A.auditorCs.session)).toEqual({
        ok: false,
        checked: 1,
        firstBroken: { seq: 2, reason: 'hash_mismatch' },
      });
      // The trigger is back on.
      await asOwner(async (db) =>
        expect(await failureOf(db, `DELETE FROM audit_log WHERE tenant_id = $1 AND seq = 2`, [A.tenant.id])).toMatchObject({
          code: '42501',
        }),
      );
      // Another tenant's chain is its own.
      expect(await verifyAudit(t, B.admin)).toEqual({ ok: true, checked: bCount });

      await tamper(`UPDATE audit_log SET after = $2 WHERE tenant_id = $1 AND seq = 2`, [A.tenant.id, JSON.stringify(original.after)]);
      expect(await verifyAudit(t, A.admin)).toEqual({ ok: true, checked: 10 });
    });

    it('a rewritten entry with a recomputed hash breaks the link of the next one', async () => {
      const rows = await stored(A.tenant.id);
      const victim = rows[2];
      const forged = { ...victim, tenantId: A.tenant.id, after: { ...(victim.after as object), name: '伪造的编辑' } };
      const forgedHash = entryHash(victim.prevHash, forged);
      await tamper(`UPDATE audit_log SET after = $3, hash = $4 WHERE tenant_id = $1 AND seq = $2`, [
        A.tenant.id,
        victim.seq,
        JSON.stringify(forged.after),
        forgedHash,
      ]);
      expect(await verifyAudit(t, A.admin)).toEqual({ ok: false, checked: 3, firstBroken: { seq: 4, reason: 'broken_link' } });
      await tamper(`UPDATE audit_log SET after = $3, hash = $4 WHERE tenant_id = $1 AND seq = $2`, [
        A.tenant.id,
        victim.seq,
        JSON.stringify(victim.after),
        victim.hash,
      ]);
      expect(await verifyAudit(t, A.admin)).toEqual({ ok: true, checked: 10 });
    });

    it('entries cut off the end keep the chain whole, but not the anchor recorded before', async () => {
      const headRes = await t.http.get('/v1/audit/head').set(bearer(A.admin.token));
      expect(headRes.status).toBe(200);
      const rows = await stored(A.tenant.id);
      const last = rows[rows.length - 1];
      expect(headRes.body).toEqual({ seq: 10, hash: last.hash.toString('hex'), occurredAt: new Date(last.occurredAt).toISOString() });
      const anchored = (query: Record<string, string | number>) => t.http.get('/v1/audit/verify').query(query).set(bearer(A.admin.token));
      const anchor = { anchorSeq: headRes.body.seq, anchorHash: headRes.body.hash };
      expect((await anchored(anchor)).body).toEqual({ ok: true, checked: 10 });
      // A wrong hash for the anchored entry, and a half-given anchor.
      expect((await anchored({ ...anchor, anchorHash: '0'.repeat(64) })).body).toEqual({
        ok: false,
        checked: 9,
        firstBroken: { seq: 10, reason: 'anchor_mismatch' },
      });
      expect(pointersOf(expectProblem(await anchored({ anchorSeq: 3 }), 400))).toEqual(['/anchorHash']);

      const tail = `tenant_id = '${A.tenant.id}' AND seq >= 9`;
      await tamper(`CREATE TABLE audit_tail AS SELECT * FROM audit_log WHERE ${tail}; DELETE FROM audit_log WHERE ${tail}`, []);
      expect(await verifyAudit(t, A.admin)).toEqual({ ok: true, checked: 8 });
      expect((await anchored(anchor)).body).toEqual({ ok: false, checked: 8, firstBroken: { seq: 9, reason: 'truncated' } });
      await tamper(`INSERT INTO audit_log SELECT * FROM audit_tail; DROP TABLE audit_tail`, []);
      expect((await anchored(anchor)).body).toEqual({ ok: true, checked: 10 });
    });

    it('a deleted entry is a sequence_gap at its seq; tenant B is unaffected', async () => {
      await tamper(`DELETE FROM audit_log WHERE tenant_id = $1 AND seq = 5`, [A.tenant.id]);
      expect(await verifyAudit(t, A.admin)).toEqual({ ok: false, checked: 4, firstBroken: { seq: 5, reason: 'sequence_gap' } });
      expect(await verifyAudit(t, B.auditorCs.session)).toEqual({ ok: true, checked: bCount });
      // B keeps appending to its own chain, numbered on from its own head.
      await createAccount(t, B.operatorTx.session, { unitId: B.units['tx-gaj'], platform: 'douyin', name: '天心公安抖音' });
      expect(await verifyAudit(t, B.admin)).toEqual({ ok: true, checked: bCount + 1 });
      expect((await stored(B.tenant.id)).map((e) => e.seq)).toEqual([1, 2, 3]);
    });
  });
});
