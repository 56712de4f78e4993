import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { AccessTokenClaims, AuthContext, AuthService, dbScopeOf, JwtStrategy, permissionsOf, TenantAuthContext } from '@govmatrix/auth';
import { chinaToday } from '@govmatrix/calendar';
import { TransactionHost } from '@govmatrix/database';
import { InspectionService } from '@govmatrix/inspection';
import { JobRunner } from '@govmatrix/jobs';
import { AccountsService, FilingsService } from '@govmatrix/ledger';
import { ClientsService, requireTenantCaller, TenantsService, UnitsRepository, UnitsService, UsersService } from '@govmatrix/tenancy';
import { DEMO_DAYS, DEMO_QUEUE, DEMO_SEED, DemoAccount, planDemoAccounts } from './demo-accounts';
import { DemoDataRepository, DemoWindow } from './demo-data.repository';
import { buildDemoTree, DEMO_CLIENT, DEMO_PASSWORD, DEMO_TENANT, DEMO_USERS } from './demo-tree';

/** The loader acts as the SaaS operator without a login: it runs in the server process, before it listens. */
const LOADER_OPERATOR: AuthContext = {
  kind: 'operator',
  subjectId: '00000000-0000-0000-0000-000000000000',
  sessionId: '00000000-0000-0000-0000-000000000000',
  tenantId: null,
  unitId: null,
  scopePath: null,
  role: 'operator',
  scopes: [],
  permissions: permissionsOf('operator', []),
};

export interface DemoLoadResult {
  loaded: boolean;
  units: number;
  users: number;
  client?: { clientId: string; clientSecret: string };
  /** Accounts opened in the demo's ledger; their year of metrics and interactions follows in the background. */
  accounts?: number;
}

/** The year of metrics and interactions, as written. */
export interface DemoYear {
  metrics: number;
  interactions: number;
  /** Stopped early by the application's shutdown. */
  stopped: boolean;
}

const DAY_MS = 86_400_000;
const daysBefore = (day: string, days: number): string =>
  new Date(Date.parse(`${day}T00:00:00Z`) - days * DAY_MS).toISOString().slice(0, 10);

/** The generated year month by month, the latest first: [from, to] of each, clipped to the year. */
export function monthWindows(yearFrom: string, yearTo: string): { from: string; to: string }[] {
  const windows: { from: string; to: string }[] = [];
  let to = yearTo;
  while (to >= yearFrom) {
    const monthStart = `${to.slice(0, 8)}01`;
    windows.push({ from: monthStart < yearFrom ? yearFrom : monthStart, to });
    to = daysBefore(monthStart, 1);
  }
  return windows;
}

/**
 * Loads the demo tenant `hunan-demo` (湖南省, its 14 cities and 122 counties with their bureaus and
 * the court, police and procuratorate systems) through the services, as an operator and then as
 * the tenant's admin would, with its matrix of accounts (their people and accepted filings,
 * written set-based) and a few new accounts filed through the ledger, waiting for review.
 * Idempotent: an existing demo tenant is left alone.
 *
 * A year of daily metrics and interactions (deterministic from a seed, set-based) then follows in
 * the background, the latest month first, one transaction a month, so the server listens at once
 * and the console fills within a minute or two; today's inspection runs once the year is there.
 * `year` is that work: tests await it, shutdown stops it after the month in hand.
 */
@Injectable()
export class DemoLoader implements BeforeApplicationShutdown {
  /** The background year of the last load, if any. */
  year?: Promise<DemoYear>;
  private stopping = false;

  constructor(
    private readonly tx: TransactionHost,
    private readonly auth: AuthService,
    private readonly jwtStrategy: JwtStrategy,
    private readonly tenants: TenantsService,
    private readonly units: UnitsService,
    private readonly unitsRepository: UnitsRepository,
    private readonly users: UsersService,
    private readonly clients: ClientsService,
    private readonly demoData: DemoDataRepository,
    private readonly accounts: AccountsService,
    private readonly filings: FilingsService,
    private readonly inspection: InspectionService,
    private readonly jobs: JobRunner,
  ) {}

  async load(log: (message: string) => void): Promise<DemoLoadResult> {
    const started = Date.now();
    const { items } = await this.tenants.list(LOADER_OPERATOR);
    if (items.some((t) => t.slug === DEMO_TENANT.slug)) {
      log(`demo tenant ${DEMO_TENANT.slug} exists already: left as it is`);
      return { loaded: false, units: 0, users: 0 };
    }

    await this.tenants.create(LOADER_OPERATOR, {
      slug: DEMO_TENANT.slug,
      name: DEMO_TENANT.name,
      root: DEMO_TENANT.root,
      admin: { ...DEMO_TENANT.admin, password: DEMO_PASSWORD },
    });
    // The admin's scope (its root's path) comes from a real login, exactly as a request would get it.
    const admin = await this.loginAs(DEMO_TENANT.admin.username);
    try {
      const tree = buildDemoTree();
      // One transaction for the tree, the users and the client: a failure leaves only the tenant and its admin.
      const result = await this.tx.run(dbScopeOf(admin), async () => {
        const { created } = await this.units.importJson(admin, tree, undefined);
        const codes = [...new Set([...DEMO_USERS.map((u) => u.unitCode), DEMO_CLIENT.unitCode])];
        const ids = new Map(
          (await this.unitsRepository.findByCodes(admin.tenantId, admin.scopePath, codes)).map((u) => [u.code, u.id] as const),
        );
        const userIds = new Map<string, string>();
        for (const user of DEMO_USERS) {
          const created = await this.users.create(admin, {
            username: user.username,
            displayName: user.displayName,
            password: DEMO_PASSWORD,
            role: user.role,
            unitId: ids.get(user.unitCode)!,
          });
          userIds.set(user.username, created.id);
        }
        const client = await this.clients.create(admin, {
          name: DEMO_CLIENT.name,
          unitId: ids.get(DEMO_CLIENT.unitCode)!,
          scopes: DEMO_CLIENT.scopes,
        });
        const matrix = await this.openAccounts(admin, userIds.get('auditor-province')!);
        return {
          units: created + 1,
          users: DEMO_USERS.length + 1,
          client: { clientId: client.clientId, clientSecret: client.clientSecret },
          matrix,
        };
      });
      // Needs the users committed: they log in.
      await this.fileReviewQueue(log);
      this.year = this.generateYear(admin, result.matrix.plan, result.matrix.ids, log);
      // A failure is logged by generateYear; the promise is there for whoever awaits it.
      this.year.catch(() => undefined);

      log(
        `demo tenant ${DEMO_TENANT.slug} loaded in ${Date.now() - started} ms: ${result.units} units ` +
          `(1 province, ${tree.filter((r) => r.level === 'city').length} cities, ${tree.filter((r) => r.level === 'county').length} counties, ` +
          `${tree.filter((r) => r.level === 'bureau').length} bureaus), ${result.matrix.plan.length} accounts, ` +
          `${result.users} users, 1 machine client; its year of metrics and interactions is being generated`,
      );
      const usernames = [DEMO_TENANT.admin.username, ...DEMO_USERS.map((u) => u.username)].join(', ');
      log(`demo logins: POST /v1/auth/login {"tenant":"${DEMO_TENANT.slug}","username":<${usernames}>,"password":"${DEMO_PASSWORD}"}`);
      log(
        `demo machine client for ${DEMO_CLIENT.name} (shown once): POST /v1/auth/token ` +
          `{"clientId":"${result.client.clientId}","clientSecret":"${result.client.clientSecret}"}`,
      );
      return { loaded: true, units: result.units, users: result.users, client: result.client, accounts: result.matrix.plan.length };
    } finally {
      await this.auth.logout(admin);
    }
  }

  /** Stops the background year after the month in hand, so that nothing writes while the pool closes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.year?.catch(() => undefined);
  }

  /** The matrix's accounts, with their people and accepted filings (in the tree's transaction, as the admin). */
  private async openAccounts(admin: TenantAuthContext, reviewerId: string): Promise<{ plan: DemoAccount[]; ids: Map<string, string> }> {
    const units = await this.demoData.units(admin.tenantId, admin.scopePath);
    const plan = planDemoAccounts(units, chinaToday());
    const ids = await this.demoData.insertAccounts(admin.tenantId, plan);
    await this.demoData.insertPeople(admin.tenantId, plan, ids);
    await this.demoData.insertFilings(admin.tenantId, plan, ids, admin.subjectId, reviewerId);
    return { plan, ids };
  }

  /**
   * The year before today, month by month (latest first), each month in a transaction of its own;
   * then today's inspection. Acts with the admin's scope: no session needed, nothing is audited.
   */
  private async generateYear(
    admin: TenantAuthContext,
    plan: DemoAccount[],
    ids: Map<string, string>,
    log: (message: string) => void,
  ): Promise<DemoYear> {
    const started = Date.now();
    const today = chinaToday();
    const year = { yearFrom: daysBefore(today, DEMO_DAYS), yearTo: daysBefore(today, 1), seed: DEMO_SEED };
    const written: DemoYear = { metrics: 0, interactions: 0, stopped: false };
    try {
      for (const month of monthWindows(year.yearFrom, year.yearTo)) {
        if (this.stopping) return { ...written, stopped: true };
        const window: DemoWindow = { ...year, ...month };
        await this.tx.run(dbScopeOf(admin), async () => {
          await this.demoData.allowLongStatements();
          written.metrics += await this.demoData.insertMetrics(admin.tenantId, plan, ids, window);
          written.interactions += await this.demoData.insertInteractions(admin.tenantId, admin.scopePath, plan, ids, window);
        });
      }
      log(
        `demo year generated in ${Date.now() - started} ms (seed ${DEMO_SEED}, ${year.yearFrom} to ${year.yearTo}): ` +
          `${written.metrics} days of metrics, ${written.interactions} interaction rows`,
      );
      if (!this.stopping) await this.inspectToday(admin.tenantId, log);
      return written;
    } catch (error) {
      log(`demo year failed after ${written.metrics} days of metrics: ${String((error as Error)?.message ?? error)}`);
      throw error;
    }
  }

  /**
   * New accounts of 天心区's bureaus, opened and filed through the ledger by the district's operator:
   * the Changsha office's review queue. One filing comes back returned, one account was never filed.
   */
  private async fileReviewQueue(log: (message: string) => void): Promise<void> {
    const today = chinaToday();
    const operator = await this.loginAs('operator-tianxin');
    const office = await this.loginAs('auditor-changsha');
    try {
      const units = await this.tx.run(dbScopeOf(operator), () =>
        this.unitsRepository.findByCodes(
          operator.tenantId,
          operator.scopePath,
          DEMO_QUEUE.map((q) => q.unitCode),
        ),
      );
      const unitIds = new Map(units.map((u) => [u.code, u.id] as const));
      const person = (name: string, position: string, phone: string) => ({ name, position, phone });
      let filed = 0;
      for (const [i, entry] of DEMO_QUEUE.entries()) {
        const neverFiled = i === DEMO_QUEUE.length - 1;
        const account = await this.accounts.create(operator, {
          unitId: unitIds.get(entry.unitCode)!,
          platform: entry.platform,
          kind: 'institutional',
          name: `天心${entry.suffix}`,
          operatingMode: 'self',
          openedOn: daysBefore(today, neverFiled ? 30 : 2 + i),
          people: {
            firstResponsible: person('周建华', '局长', '13907310001'),
            mainResponsible: person('谭丽娟', '副局长', '13907310002'),
            chiefEditor: person('刘志明', '总编辑', '13907310003'),
            operators: [person('黄婷', '运维专员', '13907310004')],
          },
        });
        if (neverFiled) continue;
        const filing = await this.filings.submitOpening(operator, account.id, {
          decisionDate: daysBefore(today, 5 + i),
          approver: '周建华',
          decisionReference: `天心党组会议纪要〔${today.slice(0, 4)}〕${10 + i}号`,
        });
        filed++;
        if (entry.suffix === '团委') {
          await this.filings.returnFiling(office, filing.id, ['会议纪要未加盖公章，请补充盖章扫描件', '运维人员联系方式缺少办公电话']);
        }
      }
      log(`demo review queue: ${filed} opening filings by 天心区 (1 returned), 1 account never filed`);
    } finally {
      await this.auth.logout(operator);
      await this.auth.logout(office);
    }
  }

  /** Today's daily inspection, so that findings are there on first start. */
  private async inspectToday(tenantId: string, log: (message: string) => void): Promise<void> {
    const started = Date.now();
    const [outcome] = await this.jobs.run(this.inspection, this.inspection.runKeyFor(chinaToday()), {
      tenantId,
      triggeredBy: 'demo-loader',
    });
    log(`demo inspection ${outcome?.status ?? 'not run'} in ${Date.now() - started} ms`);
  }

  private async loginAs(username: string): Promise<TenantAuthContext> {
    const { accessToken } = await this.auth.login({ tenant: DEMO_TENANT.slug, username, password: DEMO_PASSWORD });
    // Our own token, just issued: its claims are read, not verified, and the session behind it is resolved as for a request.
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8')) as AccessTokenClaims;
    return requireTenantCaller(await this.jwtStrategy.validate(claims));
  }
}
