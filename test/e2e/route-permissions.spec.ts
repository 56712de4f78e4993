import { randomUUID } from 'node:crypto';
import { Controller, Get, Post, SetMetadata, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import {
  CLIENT_SCOPE_PERMISSIONS,
  Permission,
  PERMISSION_KEY,
  Public,
  PUBLIC_KEY,
  RequirePermission,
  ROLE_PERMISSIONS,
} from '@govmatrix/auth';
import {
  bearer,
  clientLogin,
  createClient,
  createTenant,
  createUser,
  expectProblem,
  importUnits,
  loginOperator,
  Session,
  TenantFixture,
  TWO_CITY_TREE,
} from '../support/fixtures';
import { withClient } from '../support/database';
import { startTestApp, TestApp } from '../support/test-app';

/** What a route handler declares to the global AccessGuard. */
interface RouteDeclaration {
  /** `Controller.method`, and the OpenAPI operation id the app derives from it. */
  route: string;
  operationId: string;
  isPublic: boolean;
  permission: unknown;
}

const KNOWN_PERMISSIONS = new Set<unknown>(Object.values(Permission));
const reflector = new Reflector();
const scanner = new MetadataScanner();
const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
const upperFirst = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Every route handler of the controllers, read the way AccessGuard reads it (public: handler or class; permission: handler). */
function routeDeclarations(controllers: Type[]): RouteDeclaration[] {
  return controllers.flatMap((controller) =>
    scanner
      .getAllMethodNames(controller.prototype)
      .map((name) => ({ name, handler: (controller.prototype as Record<string, unknown>)[name] as (...args: unknown[]) => unknown }))
      .filter(
        ({ handler }) =>
          Reflect.getMetadata(PATH_METADATA, handler) !== undefined && Reflect.getMetadata(METHOD_METADATA, handler) !== undefined,
      )
      .map(({ name, handler }) => ({
        route: `${controller.name}.${name}`,
        operationId: `${lowerFirst(controller.name.replace(/Controller$/, ''))}${upperFirst(name)}`,
        isPublic: reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [handler, controller]) === true,
        permission: reflector.get<unknown>(PERMISSION_KEY, handler),
      })),
  );
}

/** Routes the default-deny guard would close: neither @Public nor a known permission. */
function undeclaredRoutes(controllers: Type[]): string[] {
  return routeDeclarations(controllers)
    .filter((r) => !r.isPublic && !KNOWN_PERMISSIONS.has(r.permission))
    .map((r) => r.route);
}

// A controller someone forgot to decorate, to prove the checker catches it.
@Controller('throwaway')
class ThrowawayController {
  @Get('forgotten')
  forgotten(): string {
    return 'open to anyone?';
  }

  @Public()
  @Get('open')
  open(): string {
    return 'public on purpose';
  }

  @RequirePermission(Permission.UnitsRead)
  @Get('guarded')
  guarded(): string {
    return 'declared';
  }

  @SetMetadata(PERMISSION_KEY, 'units.everything')
  @Post('misspelt')
  misspelt(): string {
    return 'a permission nobody can hold';
  }

  notARoute(): string {
    return 'a helper, not a handler';
  }
}

@Public()
@Controller('throwaway-public')
class PublicThrowawayController {
  @Get()
  anything(): string {
    return 'the whole controller is public';
  }
}

interface Operation {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  path: string;
  operationId: string;
  security?: unknown[];
}

describe('route permissions (default deny)', () => {
  let t: TestApp;
  let controllers: Type[];
  let declarations: RouteDeclaration[];
  let operations: Operation[];
  let tenant: TenantFixture;

  /** The operation's path with every parameter replaced by a random UUID. */
  const concrete = (op: Operation): string => op.path.replace(/\{[^}]+\}/g, () => randomUUID());
  const call = (op: Operation, headers: Record<string, string> = {}) => {
    const req = t.http[op.method](concrete(op)).set(headers);
    return op.method === 'get' || op.method === 'delete' ? req : req.send({});
  };
  const declarationOf = (op: Operation): RouteDeclaration => {
    const found = declarations.find((d) => d.operationId === op.operationId);
    if (!found) throw new Error(`no handler for operation ${op.operationId}`);
    return found;
  };

  beforeAll(async () => {
    t = await startTestApp();
    const discovered = new DiscoveryService(t.app.get(ModulesContainer)).getControllers().map((wrapper) => wrapper.metatype as Type | null);
    controllers = [...new Set(discovered.filter((metatype): metatype is Type => !!metatype))];
    declarations = routeDeclarations(controllers);
    const res = await t.http.get('/openapi.json');
    expect(res.status).toBe(200);
    const paths = (res.body as { paths: Record<string, Record<string, { operationId: string; security?: unknown[] }>> }).paths;
    operations = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method as Operation['method'],
        path,
        operationId: op.operationId,
        security: op.security,
      })),
    );
    tenant = await createTenant(t, await loginOperator(t));
  });
  afterAll(() => t.close());

  describe('the checker', () => {
    it('flags an undecorated handler and an unknown permission, and nothing else of a throwaway controller', () => {
      expect(undeclaredRoutes([ThrowawayController, PublicThrowawayController])).toEqual([
        'ThrowawayController.forgotten',
        'ThrowawayController.misspelt',
      ]);
    });

    it('finds every route of the app, the same set the OpenAPI document describes', () => {
      expect(declarations.length).toBeGreaterThanOrEqual(20);
      expect(declarations.map((d) => d.route)).toEqual(
        expect.arrayContaining(['UnitsController.list', 'AuthController.login', 'HealthController.ready']),
      );
      expect(declarations.map((d) => d.operationId).sort()).toEqual(operations.map((op) => op.operationId).sort());
    });
  });

  it('finds no route of the app without @Public or a known permission', () => {
    expect(undeclaredRoutes(controllers)).toEqual([]);
    // The same checker over the app plus the forgotten controller points at the forgotten handler only.
    expect(undeclaredRoutes([...controllers, ThrowawayController])).toEqual([
      'ThrowawayController.forgotten',
      'ThrowawayController.misspelt',
    ]);
  });

  it('opens exactly the routes that must work without a token', () => {
    expect(
      declarations
        .filter((d) => d.isPublic)
        .map((d) => d.route)
        .sort(),
    ).toEqual([
      'AuthController.clientToken',
      'AuthController.login',
      'AuthController.refresh',
      'HealthController.health',
      'HealthController.ready',
    ]);
  });

  it('grants every permission a route requires to some role or client scope (no unreachable route)', () => {
    const granted = new Set<unknown>([...Object.values(ROLE_PERMISSIONS).flat(), ...Object.values(CLIENT_SCOPE_PERMISSIONS).flat()]);
    const unreachable = declarations
      .filter((d) => !d.isPublic && !granted.has(d.permission))
      .map((d) => `${d.route} (${String(d.permission)})`);
    expect(unreachable).toEqual([]);
  });

  it('documents bearer security on exactly the non-public operations', () => {
    const mismatched = operations
      .filter((op) => declarationOf(op).isPublic === (op.security !== undefined && op.security.length > 0))
      .map((op) => op.operationId);
    expect(mismatched).toEqual([]);
  });

  it('answers 401 problem details on every non-public operation without a token or with a malformed one', async () => {
    const guarded = operations.filter((op) => !declarationOf(op).isPublic);
    expect(guarded.length).toBeGreaterThanOrEqual(15);
    for (const op of guarded) {
      for (const headers of [
        {} as Record<string, string>,
        { authorization: 'Bearer not-a-jwt' },
        { authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` },
      ]) {
        const res = await call(op, headers);
        if (res.status !== 401)
          throw new Error(`${op.method.toUpperCase()} ${op.path} answered ${res.status} to ${JSON.stringify(headers)}`);
        expectProblem(res, 401);
      }
    }
  });

  describe('each caller gets 403 on every route whose permission it lacks', () => {
    let units: Record<string, string>;
    let callers: Record<string, Session>;

    beforeAll(async () => {
      units = await importUnits(t, tenant, TWO_CITY_TREE);
      const client = await createClient(t, tenant, { name: 'portal tx', unitId: units.tx, scopes: ['read:own'] });
      callers = {
        operator: await loginOperator(t),
        tenant_admin: tenant.admin,
        auditor: (await createUser(t, tenant, { username: 'auditor-cs', role: 'auditor', unitId: units['cs-wxb'] })).session,
        unit_operator: (await createUser(t, tenant, { username: 'operator-tx', role: 'unit_operator', unitId: units.tx })).session,
        matrix_lead: (await createUser(t, tenant, { username: 'lead-cs', role: 'matrix_lead', unitId: units.cs })).session,
        client_read_own: await clientLogin(t, client),
      };
    });

    it.each(['operator', 'tenant_admin', 'auditor', 'unit_operator', 'matrix_lead', 'client_read_own'])('%s', async (name) => {
      const session = callers[name];
      const me = await t.http.get('/v1/auth/me').set(bearer(session.token));
      expect(me.status).toBe(200);
      const held = new Set((me.body as { permissions: string[] }).permissions);
      const refused = operations.filter((op) => {
        const declaration = declarationOf(op);
        return !declaration.isPublic && !held.has(declaration.permission as string);
      });
      expect(refused.length).toBeGreaterThan(0);
      for (const op of refused) {
        const res = await call(op, bearer(session.token));
        if (res.status !== 403) throw new Error(`${name}: ${op.method.toUpperCase()} ${op.path} answered ${res.status}, not 403`);
        expect(expectProblem(res, 403).detail).toBe(`Requires the ${String(declarationOf(op).permission)} permission`);
      }
    });

    it("refuses a unit operator the tenant admin's writes even with valid bodies, and writes nothing", async () => {
      const unitOperator = callers.unit_operator;
      const count = (): Promise<unknown> =>
        withClient(
          t.db.ownerUrl,
          async (db) =>
            (
              await db.query(
                `SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM api_clients) AS clients, (SELECT count(*) FROM units) AS units`,
              )
            ).rows[0],
        );
      const before = await count();
      const attempts = [
        t.http
          .post('/v1/users')
          .set(bearer(unitOperator.token))
          .send({ username: 'new-admin', displayName: 'x', password: 'new-admin-password', role: 'tenant_admin', unitId: units.tx }),
        t.http
          .post('/v1/clients')
          .set(bearer(unitOperator.token))
          .send({ name: 'portal', unitId: units.tx, scopes: ['read:own'] }),
        t.http
          .post('/v1/units/import')
          .set(bearer(unitOperator.token))
          .send({ parentId: units.tx, units: [{ code: 'tx-new', name: '新单位', level: 'bureau' }] }),
      ];
      for (const attempt of attempts)
        expect(expectProblem(await attempt, 403).detail).toMatch(/^Requires the (users|clients|units)\.write permission$/);
      expect(await count()).toEqual(before);
    });
  });
});
