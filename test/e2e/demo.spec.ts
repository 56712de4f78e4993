import { DemoLoader } from '../../apps/api/src/demo/demo-loader';
import { DEMO_PASSWORD, DEMO_TENANT } from '../../apps/api/src/demo/demo-tree';
import { bearer, listAllUnits, login } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

describe('the demo tenant', () => {
  let t: TestApp;
  const messages: string[] = [];
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('loads once; a second run changes nothing', async () => {
    const loader = t.app.get(DemoLoader);
    const first = await loader.load((m) => messages.push(m));
    expect(first).toMatchObject({ loaded: true, users: 5 });
    expect(first.units).toBeGreaterThan(1700);
    expect(first.client?.clientSecret).toMatch(/^gms_/);
    expect(messages.join('\n')).toContain(first.client!.clientSecret);

    const second = await loader.load((m) => messages.push(m));
    expect(second).toEqual({ loaded: false, units: 0, users: 0 });
    expect(messages[messages.length - 1]).toMatch(/exists already/);
  });

  it("lets the province's auditor see the whole tree and the Changsha auditor only Changsha", async () => {
    const province = await login(t, DEMO_TENANT.slug, 'auditor-province', DEMO_PASSWORD);
    const all = await listAllUnits(t, province.token);
    expect(all.length).toBeGreaterThan(1700);
    expect(all.filter((u) => u.level === 'city')).toHaveLength(14);
    expect(all.filter((u) => u.level === 'county')).toHaveLength(122);
    const highCourt = all.find((u) => u.code === '430000-court')!;
    const intermediate = all.find((u) => u.code === '430100-court')!;
    expect(intermediate.sectorParentId).toBe(highCourt.id);
    expect(all.find((u) => u.code === '430103-court')!.sectorParentId).toBe(intermediate.id);

    const changsha = await login(t, DEMO_TENANT.slug, 'auditor-changsha', DEMO_PASSWORD);
    const own = await listAllUnits(t, changsha.token);
    expect(own.filter((u) => u.level === 'county')).toHaveLength(9);
    expect(own.every((u) => u.code === '430100' || u.code!.startsWith('4301'))).toBe(true);
  });

  it('lets the other demo users and the machine client in', async () => {
    for (const username of ['admin', 'operator-tianxin', 'lead-courts']) {
      const session = await login(t, DEMO_TENANT.slug, username, DEMO_PASSWORD);
      const me = await t.http.get('/v1/auth/me').set(bearer(session.token));
      expect(me.status).toBe(200);
    }
    const clientLine = messages.find((m) => m.includes('clientSecret'))!;
    const { clientId, clientSecret } = JSON.parse(clientLine.slice(clientLine.indexOf('{'))) as { clientId: string; clientSecret: string };
    const token = await t.http.post('/v1/auth/token').send({ clientId, clientSecret });
    expect(token.status).toBe(200);
    const units = await t.http.get('/v1/units').query({ level: 'bureau' }).set(bearer(token.body.accessToken));
    expect(units.status).toBe(200);
    expect(units.body.items).toHaveLength(13);
  });
});
