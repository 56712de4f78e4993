import { mkdirSync, readFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium';
import { bearer, loginOperator } from '../support/fixtures';
import { createMatrixWorld, MatrixWorld } from '../support/matrix-fixtures';
import { startTestApp, TestApp } from '../support/test-app';

// Found (or installed with apt-get) while Jest collects this file, so that it can skip cleanly.
const browserLookup = ensureChromium();
if (browserLookup.skipReason) {
  process.stderr.write(`\nconsole browser tests SKIPPED: no Chromium could be installed (${browserLookup.skipReason})\n`);
}
const describeInBrowser = browserLookup.executablePath ? describe : describe.skip;

/** The page's sessionStorage, as the functions handed to page.evaluate see it (this file compiles without the DOM types). */
type InPage = { sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void } };

const ARTIFACTS = join(__dirname, '../../test-artifacts/console');
const STEP_TIMEOUT = 120_000;
/**
 * The statistics period the dashboard is opened on: the months of the fixtures' metrics and
 * interactions. Its default, the 12 months up to today, no longer holds them from October 2027 on.
 */
const PERIOD = { from: '2026-09-01', to: '2026-10-31' };

describeInBrowser('the web console in Chromium', () => {
  let t: TestApp;
  let w: MatrixWorld;
  let browser: Browser;
  let page: Page;
  let baseUrl: string;
  let sanctions: boolean;
  let scoring: boolean;
  const pageErrors: string[] = [];

  const shot = (name: string, fullPage = true) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
  const nav = (title: string) => page.locator('nav.sidebar a', { hasText: title }).click();

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    w = await createMatrixWorld(t, await loginOperator(t));
    const paths = (await t.http.get('/openapi.json')).body.paths as Record<string, unknown>;
    sanctions = '/v1/cases' in paths;
    scoring = '/v1/scoring/runs/{id}/rankings' in paths;
    if (scoring) {
      const run = await t.http.post('/v1/scoring/runs').set(bearer(w.auditor.token)).send(PERIOD);
      if (run.status !== 201) throw new Error(`scoring run: ${run.status} ${run.text}`);
    }

    browser = await chromium.launch({ executablePath: browserLookup.executablePath, args: CHROMIUM_ARGS, headless: true });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  }, STEP_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('is served as static files with ECharts, outside the API and its guard', async () => {
    const redirect = await t.http.get('/console');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/console/');
    const html = await t.http.get('/console/');
    expect(html.status).toBe(200);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.headers['content-security-policy']).toContain("script-src 'self'");
    expect(html.text).toContain('/console/vendor/echarts.min.js');
    const echarts = await t.http.get('/console/vendor/echarts.min.js');
    expect(echarts.status).toBe(200);
    expect(echarts.headers['content-type']).toMatch(/javascript/);
    expect((await t.http.get('/console/js/main.js')).status).toBe(200);
    // Only the one file of the package is served, and unknown paths fall through to the API's 404.
    expect((await t.http.get('/console/vendor/echarts.js')).status).toBe(404);
    expect((await t.http.get('/console/nothing-here.js')).status).toBe(404);
  });

  it(
    'logs in with tenant, username and password',
    async () => {
      await page.goto(`${baseUrl}/console/#/dashboard?from=${PERIOD.from}&to=${PERIOD.to}`);
      await page.fill('input[name=tenant]', w.credentials.tenant);
      await page.fill('input[name=username]', w.credentials.username);
      await page.fill('input[name=password]', 'wrong-password');
      await page.click('#login-submit');
      await page.locator('.form-error', { hasText: '不正确' }).waitFor();

      await page.fill('input[name=password]', w.credentials.password);
      await shot('01-login');
      await page.click('#login-submit');
      await page.locator('nav.sidebar').waitFor();
      await expect(page.locator('.whoami').textContent()).resolves.toContain('auditor-hn');
      // The token lives in this tab only.
      const stored = await page.evaluate(
        () => JSON.parse((globalThis as unknown as InPage).sessionStorage.getItem('govmatrix.session') ?? '{}') as { accessToken?: string },
      );
      expect(stored.accessToken).toMatch(/^ey/);
    },
    STEP_TIMEOUT,
  );

  it(
    'opens the dashboard of the province, then of a city from the unit tree',
    async () => {
      await page.locator('#kpis').waitFor();
      await expect(page.locator('#dashboard-title').textContent()).resolves.toContain('湖南省');
      await expect(page.locator('.dashboard-head p.muted').textContent()).resolves.toContain(`统计期 ${PERIOD.from} 至 ${PERIOD.to}`);
      // 7 of 13 units have a live account.
      await expect(page.locator('#kpis .kpi').first().textContent()).resolves.toContain('53.8%');
      await page.locator('#heatmap canvas').first().waitFor();
      await page.locator('#trend-chart canvas').first().waitFor();
      await page.locator('ul.tree .node', { hasText: '长沙市' }).waitFor();
      await shot('02-dashboard-province');

      await page.locator('ul.tree .node', { hasText: '长沙市' }).click();
      await page.locator('#dashboard-title', { hasText: '长沙市' }).waitFor();
      await expect(page.locator('#kpis .kpi').first().textContent()).resolves.toContain('66.7%');
      expect(page.url()).toContain(`under=${w.units.cs}`);
      // Children load when a unit is opened: 天心区 under 长沙市.
      await page.locator(`li[data-unit-id="${w.units.cs}"] > .row .caret`).click();
      await page.locator('ul.tree .node', { hasText: '长沙市天心区' }).waitFor();
      await page.locator('#heatmap canvas').first().waitFor();
      await shot('03-dashboard-changsha');

      if (scoring) {
        // The scoring module's ranking of the city's accounts, and one score's explanation.
        const ranked = page.locator('table.data tbody tr.clickable', { hasText: '长沙中院' });
        await ranked.waitFor();
        await ranked.click();
        await page.locator('.modal h3', { hasText: '得分构成' }).waitFor();
        await expect(page.locator('.modal table.data tbody tr').count()).resolves.toBeGreaterThan(3);
        await shot('03b-score-explanation', false);
        await page.locator('.modal button[type=submit]').click();
      }
    },
    STEP_TIMEOUT,
  );

  it(
    'filters the ledger and exports what it shows as CSV',
    async () => {
      await nav('统一台账');
      await page.locator('#ledger-filters').waitFor();
      await page.selectOption('#ledger-filters select[name=platform]', 'weibo');
      await page.locator('#ledger-filters button[type=submit]').click();
      await page.waitForURL(/platform=weibo/);
      await page.locator('table.data tbody tr', { hasText: '天心法院' }).waitFor();
      await expect(page.locator('table.data tbody tr').count()).resolves.toBe(6);
      await shot('04-ledger');

      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
      const file = join(ARTIFACTS, download.suggestedFilename());
      await download.saveAs(file);
      expect(download.suggestedFilename()).toMatch(/\.csv$/);
      const csv = readFileSync(file, 'utf8');
      expect(csv.split('\n').filter((line) => line.trim()).length).toBe(7); // header and the 6 Weibo accounts
      expect(csv).toContain('天心法院');
      expect(csv).not.toContain('株洲发布'); // a WeChat account: filtered out as on screen
    },
    STEP_TIMEOUT,
  );

  it(
    'accepts a filing waiting for review',
    async () => {
      await nav('备案审核');
      const row = page.locator('table.data tbody tr', { hasText: '天心公安' });
      await row.waitFor();
      await shot('05-filings');
      await row.locator('button[data-action=accept]').click();
      await page.locator('.modal textarea[name=note]').fill('材料齐全，同意备案。');
      await page.locator('.modal button[type=submit]').click();
      await page.locator('.toast', { hasText: '已通过' }).waitFor();
      await page.locator('table.data td.empty', { hasText: '没有待审核的备案' }).waitFor();

      const filing = await t.http.get(`/v1/filings/${w.submittedFilingId}`).set(bearer(w.auditor.token));
      expect(filing.body).toMatchObject({ status: 'accepted' });
      const account = await t.http.get(`/v1/accounts/${w.accounts['tx-gaj:wechat']}`).set(bearer(w.auditor.token));
      expect(account.body.status).toBe('active');
    },
    STEP_TIMEOUT,
  );

  it(
    'opens a finding and, where the sanctions module is there, a case on it',
    async () => {
      const created = await t.http
        .post('/v1/findings')
        .set(bearer(w.auditor.token))
        .send({ accountId: w.accounts['cs:weibo'], kind: 'content_error', detail: '2026年10月12日发布的通告日期错误' });
      expect(created.status).toBe(201);

      await nav('检查问题');
      const row = page.locator('table.data tbody tr', { hasText: '长沙发布' });
      await row.waitFor();
      await row.click();
      await page.locator('#finding-title').waitFor();
      await expect(page.locator('.finding-detail').textContent()).resolves.toContain('通告日期错误');
      await shot('06-finding');

      if (!sanctions) {
        await expect(page.locator('.finding-detail').textContent()).resolves.toContain('处置模块尚未启用');
        return;
      }
      await page.click('#open-case');
      await page.selectOption('.modal select[name=measure]', 'warning');
      await page.locator('.modal input[name=deadlineDays]').fill('5');
      await page.locator('.modal button[type=submit]').click();
      await page.locator('#case-title, .modal-error:not(:empty)').first().waitFor();
      expect(
        await page
          .locator('.modal-error')
          .count()
          .then((n) => (n ? page.locator('.modal-error').textContent() : '')),
      ).toBe('');
      await page.locator('#case-title', { hasText: '长沙发布' }).waitFor();
      await expect(page.locator('.content').textContent()).resolves.toContain('警告');
      await shot('07-case');

      const cases = await t.http.get('/v1/cases').set(bearer(w.auditor.token));
      expect(cases.body.items).toEqual([
        expect.objectContaining({ accountId: w.accounts['cs:weibo'], measure: 'warning', status: 'awaiting_rectification' }),
      ]);
    },
    STEP_TIMEOUT,
  );

  it(
    'refreshes an expired access token with the refresh token, and signs out',
    async () => {
      await page.evaluate(() => {
        const session = JSON.parse((globalThis as unknown as InPage).sessionStorage.getItem('govmatrix.session')!) as Record<
          string,
          string
        >;
        (globalThis as unknown as InPage).sessionStorage.setItem(
          'govmatrix.session',
          JSON.stringify({ ...session, accessToken: 'expired.token.value' }),
        );
      });
      await page.goto(`${baseUrl}/console/#/dashboard`);
      await page.locator('#kpis').waitFor();
      const stored = await page.evaluate(
        () => JSON.parse((globalThis as unknown as InPage).sessionStorage.getItem('govmatrix.session')!) as { accessToken: string },
      );
      expect(stored.accessToken).toMatch(/^ey/);

      await page.click('#logout');
      await page.locator('#login-submit').waitFor();
      expect(await page.evaluate(() => (globalThis as unknown as InPage).sessionStorage.getItem('govmatrix.session'))).toBeNull();
      expect(pageErrors.filter((e) => !/401|Unauthorized/.test(e))).toEqual([]);
    },
    STEP_TIMEOUT,
  );
});
