import { createHmac } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { CaseDetailDto, CreatedWebhookEndpointDto, NoticeDto, WebhookDeliveryDto, WebhookEndpointDto } from '@govmatrix/sanctions';
import { WebhookDeliveryService } from '@govmatrix/sanctions';
import { withClient } from '../support/database';
import { bearer, expectProblem, loginOperator, Session } from '../support/fixtures';
import { AccountDto, accountInStatus, createLedgerWorld, expectStatus, LedgerWorld } from '../support/ledger-fixtures';
import { startTestApp, TestApp } from '../support/test-app';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1 that answers 500 to the first request of each path and 200 afterwards. */
async function startReceiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '';
      const first = !received.some((r) => r.path === path);
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(first ? 500 : 200, { 'content-type': 'text/plain' }).end(first ? 'not yet' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

describe('notices and webhooks', () => {
  let t: TestApp;
  let w: LedgerWorld;
  let unit: Session;
  let office: Session;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let delivery: WebhookDeliveryService;
  let account: AccountDto;
  let opened: CaseDetailDto;
  let endpoint: CreatedWebhookEndpointDto;

  beforeAll(async () => {
    [t, receiver] = await Promise.all([startTestApp(), startReceiver()]);
    w = await createLedgerWorld(t, await loginOperator(t));
    unit = w.operatorTx.session;
    office = w.auditorCs.session;
    delivery = t.app.get(WebhookDeliveryService);
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  const notices = async (session: Session, query: Record<string, string> = {}): Promise<NoticeDto[]> =>
    expectStatus<{ items: NoticeDto[] }>(await t.http.get('/v1/notices').query(query).set(bearer(session.token)), 200, 'notices').items;
  const deliveries = async (endpointId: string): Promise<WebhookDeliveryDto[]> =>
    expectStatus<{ items: WebhookDeliveryDto[] }>(
      await t.http.get(`/v1/webhooks/${endpointId}/deliveries`).set(bearer(w.admin.token)),
      200,
      'deliveries',
    ).items;
  const register = (session: Session, body: object) => t.http.post('/v1/webhooks').set(bearer(session.token)).send(body);
  const run = (now = new Date()) => delivery.deliverDue({ now, tenantId: w.tenant.id });

  it('a tenant admin registers endpoints for the tenant or a subtree; the secret is shown once', async () => {
    endpoint = expectStatus<CreatedWebhookEndpointDto>(
      await register(w.admin, { url: `${receiver.url}/hook`, description: '省平台' }),
      201,
      'register',
    );
    expect(endpoint).toMatchObject({ url: `${receiver.url}/hook`, unitId: w.units.root, active: true, description: '省平台' });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    // 株洲's subtree: 长沙's notices never go there.
    expectStatus(await register(w.admin, { url: `${receiver.url}/zhuzhou`, unitId: w.units.zz }), 201, 'register zz');

    const listed = expectStatus<{ items: WebhookEndpointDto[] }>(await t.http.get('/v1/webhooks').set(bearer(w.admin.token)), 200, 'list');
    expect(listed.items).toHaveLength(2);
    expect(listed.items.every((e) => !('secret' in e))).toBe(true);
    expect(
      Object.keys(expectStatus<object>(await t.http.get(`/v1/webhooks/${endpoint.id}`).set(bearer(w.admin.token)), 200, 'get')),
    ).not.toContain('secret');
    const leaked = await withClient(t.db.ownerUrl, (db) =>
      db.query(`SELECT count(*)::int AS n FROM audit_log WHERE strpos(coalesce(after::text, '') || coalesce(before::text, ''), $1) > 0`, [
        endpoint.secret,
      ]),
    );
    expect(leaked.rows[0].n).toBe(0);

    expectProblem(await register(unit, { url: `${receiver.url}/hook` }), 403);
    expectProblem(await register(office, { url: `${receiver.url}/hook` }), 403);
    expectProblem(await register(w.admin, { url: 'ftp://example.com/hook' }), 400);
  });

  it('every case step is a notice for the unit; units elsewhere see none; reading is acknowledged once', async () => {
    account = await accountInStatus(t, { unit, office }, 'active', { unitId: w.units['tx-gaj'], platform: 'weibo' });
    const findingId = expectStatus<{ id: string }>(
      await t.http
        .post('/v1/findings')
        .set(bearer(office.token))
        .send({ accountId: account.id, kind: 'content_error', detail: '错误信息' }),
      201,
      'finding',
    ).id;
    opened = expectStatus<CaseDetailDto>(
      await t.http
        .post('/v1/cases')
        .set(bearer(office.token))
        .send({ accountId: account.id, findingIds: [findingId], measure: 'warning', decision: '删除错误信息', decidedOn: '2026-09-28' }),
      201,
      'open case',
    );

    const [notice] = await notices(unit);
    expect(notice).toMatchObject({
      kind: 'opened',
      caseId: opened.id,
      stepSeq: 1,
      accountId: account.id,
      accountName: '天心公安',
      unitId: w.units['tx-gaj'],
      measure: 'warning',
      dueOn: '2026-10-10',
      title: '处置决定（警告）：「天心公安」',
      readAt: null,
      readBy: null,
    });
    expect(notice.message).toContain('删除错误信息');
    expect(notice.message).toContain('整改期限：2026-10-10');
    expect((await notices(office)).map((n) => n.id)).toEqual([notice.id]);
    expect(await notices(w.operatorHd.session)).toEqual([]);
    expect(await notices(w.auditorZz.session)).toEqual([]);
    expectProblem(await t.http.post(`/v1/notices/${notice.id}/read`).set(bearer(w.operatorHd.session.token)), 404);

    const read = expectStatus<NoticeDto>(await t.http.post(`/v1/notices/${notice.id}/read`).set(bearer(unit.token)), 200, 'read');
    expect(read).toMatchObject({ id: notice.id, readBy: w.operatorTx.id, readAt: expect.any(String) });
    const again = expectStatus<NoticeDto>(await t.http.post(`/v1/notices/${notice.id}/read`).set(bearer(office.token)), 200, 'read again');
    expect(again).toMatchObject({ readAt: read.readAt, readBy: w.operatorTx.id });
    expect(await notices(unit, { unread: 'true' })).toEqual([]);
  });

  it('delivers the notice as a signed JSON POST, retried with backoff: the first attempt fails, the second succeeds', async () => {
    const start = new Date();
    expect(await run(start)).toEqual({ enqueued: 1, attempted: 1, delivered: 0, retrying: 1, failed: 0 });
    expect(receiver.received.map((r) => r.path)).toEqual(['/hook']);
    const [pending] = await deliveries(endpoint.id);
    expect(pending).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 500, lastError: 'HTTP 500', deliveredAt: null });
    // Backoff: the next attempt is due 30 s after the failed one, not before.
    expect(Date.parse(pending.nextAttemptAt)).toBe(start.getTime() + 30_000);
    expect(await run(new Date(start.getTime() + 29_000))).toMatchObject({ enqueued: 0, attempted: 0 });

    expect(await run(new Date(start.getTime() + 30_000))).toEqual({ enqueued: 0, attempted: 1, delivered: 1, retrying: 0, failed: 0 });
    expect(receiver.received.map((r) => r.path)).toEqual(['/hook', '/hook']);
    const [done] = await deliveries(endpoint.id);
    expect(done).toMatchObject({ id: pending.id, status: 'delivered', attempts: 2, lastStatus: 200, lastError: null });
    expect(done.deliveredAt).toEqual(expect.any(String));
    expect(await run(new Date(start.getTime() + 86_400_000))).toMatchObject({ attempted: 0 });

    const [first, second] = receiver.received;
    expect(second.body).toBe(first.body);
    for (const request of receiver.received) {
      expect(request.headers['content-type']).toBe('application/json');
      const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(request.headers['x-govmatrix-signature']));
      expect(match).not.toBeNull();
      const [, timestamp, signature] = match!;
      expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
      expect(signature).toBe(createHmac('sha256', endpoint.secret).update(`${timestamp}.${request.body}`).digest('hex'));
      expect(signature).not.toBe(createHmac('sha256', 'another-secret').update(`${timestamp}.${request.body}`).digest('hex'));
    }
    const payload = JSON.parse(first.body) as { id: string; type: string; data: NoticeDto };
    expect(payload.id).toBe(pending.id);
    expect(first.headers['x-govmatrix-delivery']).toBe(pending.id);
    expect(payload.type).toBe('notice.created');
    expect(payload.data).toMatchObject({
      kind: 'opened',
      caseId: opened.id,
      accountId: account.id,
      measure: 'warning',
      dueOn: '2026-10-10',
    });
    // The 株洲 endpoint's subtree does not hold the account.
    expect(receiver.received.some((r) => r.path === '/zhuzhou')).toBe(false);
  });

  it('two workers running at once make one attempt per delivery (SKIP LOCKED and a lease)', async () => {
    const res = await t.http
      .post(`/v1/cases/${opened.id}/rectifications`)
      .set(bearer(unit.token))
      .send({ text: '已删除', rectifiedOn: '2026-10-09' });
    expectStatus(res, 201, 'rectification');
    const before = receiver.received.length;
    const outcomes = await Promise.all([run(), run()]);
    expect(outcomes.reduce((sum, o) => sum + o.enqueued, 0)).toBe(1);
    expect(outcomes.reduce((sum, o) => sum + o.attempted, 0)).toBe(1);
    expect(receiver.received.length).toBe(before + 1);
    const payload = JSON.parse(receiver.received[before].body) as { data: NoticeDto };
    expect(payload.data).toMatchObject({ kind: 'rectification_submitted', caseId: opened.id, stepSeq: 2 });
    expect((await notices(unit)).map((n) => n.kind)).toEqual(['rectification_submitted', 'opened']);
  });

  it('a deactivated endpoint gets nothing more', async () => {
    const off = expectStatus<WebhookEndpointDto>(
      await t.http.post(`/v1/webhooks/${endpoint.id}/deactivate`).set(bearer(w.admin.token)),
      200,
      'deactivate',
    );
    expect(off).toMatchObject({ active: false, deactivatedAt: expect.any(String) });
    expect(expectProblem(await t.http.post(`/v1/webhooks/${endpoint.id}/deactivate`).set(bearer(w.admin.token)), 409).code).toBe(
      'webhook_inactive',
    );
    expectStatus(await t.http.post(`/v1/cases/${opened.id}/accept`).set(bearer(office.token)).send({}), 200, 'accept');
    const before = receiver.received.length;
    expect(await run()).toMatchObject({ enqueued: 0, attempted: 0 });
    expect(receiver.received.length).toBe(before);
    expect((await notices(unit)).map((n) => n.kind)).toEqual(['accepted', 'rectification_submitted', 'opened']);
  });
});
