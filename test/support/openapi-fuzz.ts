import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';

/**
 * Requests generated from the OpenAPI document (sdk/openapi.json) and the checks of their answers
 * against it: the machinery of test/e2e/api-fuzz.spec.ts.
 */

export type Schema = {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  nullable?: boolean;
  description?: string;
  default?: unknown;
};

interface OpenApiParameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: Schema;
}

interface OpenApiOperation {
  operationId: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: Schema }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
  security?: unknown[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, Schema> };
}

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Operation {
  /** `GET /v1/accounts/{id}` */
  key: string;
  method: HttpMethod;
  path: string;
  operationId: string;
  /** The permission the route requires; null for a public route. */
  permission: string | null;
  parameters: OpenApiParameter[];
  body?: { required: boolean; contentTypes: string[]; schema?: Schema };
  /** Declared answers by status: their content types and (JSON) schema. */
  responses: Record<string, { contentTypes: string[]; schema?: Schema }>;
}

/** Every operation of the document, in document order. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const forbidden = op.responses['403']?.description ?? '';
      const permission = /Requires the ([\w.]+) permission/.exec(forbidden)?.[1] ?? null;
      if (op.security && op.security.length > 0 && !permission)
        throw new Error(`${method} ${path}: a secured route without a named permission`);
      const body = op.requestBody
        ? {
            required: op.requestBody.required ?? false,
            contentTypes: Object.keys(op.requestBody.content),
            schema: op.requestBody.content['application/json']?.schema,
          }
        : undefined;
      const responses = Object.fromEntries(
        Object.entries(op.responses).map(([status, r]) => [
          status,
          { contentTypes: Object.keys(r.content ?? {}), schema: r.content?.['application/json']?.schema },
        ]),
      );
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method as HttpMethod,
        path,
        operationId: op.operationId,
        permission,
        parameters: op.parameters ?? [],
        body,
        responses,
      });
    }
  }
  return operations;
}

// ---------------------------------------------------------------------------------------------
// Hostile values
// ---------------------------------------------------------------------------------------------

/** Strings that have broken parsers, SQL, ltree queries, paths, renderers and encodings elsewhere. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  "'; DROP TABLE units; --",
  "' OR '1'='1",
  '"; SELECT pg_sleep(5); --',
  '$1',
  'a.b.*',
  '*.a.*{1,}',
  '!a|b',
  'top.*@',
  '..',
  '../',
  '../../../../etc/passwd',
  '%',
  '_',
  '%_%',
  '\\',
  '\\x00',
  '%00',
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '\u202e\u0644\u0627\u2066evil\u2069',
  'مرحبا بالعالم',
  '😀👨‍👩‍👧‍👦🏳️‍🌈',
  '\ufeffBOM',
  '\u200b',
  'Ｅｘａｍｐｌｅ',
  'İıß',
  '\r\n\t',
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e309',
  '0x1F',
  '9'.repeat(40),
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  'x'.repeat(10_001),
  '天'.repeat(3_000),
];

/** For path segments and query values: the hostile strings and number-like ones (none holds a lone surrogate, which encodeURIComponent refuses). */
const HOSTILE_QUERY_STRINGS: readonly string[] = [...HOSTILE_STRINGS, '-1', '0', '1.5', '1e400', '99999999999999999999', ' 5', 'abc'];

export const HOSTILE_NUMBERS: readonly number[] = [
  -1,
  0,
  1.5,
  -0.5,
  2_147_483_648,
  -2_147_483_649,
  Number.MAX_SAFE_INTEGER + 2,
  1e21,
  1e308,
  -1e308,
  5e-324,
];

/** Dates that are not dates, or dates at the edges of what JavaScript and PostgreSQL hold. */
export const HOSTILE_DATES: readonly string[] = [
  '2026-02-30',
  '2025-02-29',
  '2026-13-01',
  '2026-00-10',
  '2026-1-1',
  '20260101',
  '0000-01-01',
  '0001-01-01',
  '1900-01-01',
  '9999-12-31',
  '275760-09-13',
  '2026-10-01T00:00:00Z',
  '2026-10-01 ',
  '１９９９-01-01',
  '-2026-10-01',
  'infinity',
  '-infinity',
  'epoch',
  'today',
  'now',
  'allballs',
];

/** Put into every text of a request at once (URL-safe: no lone surrogate). */
const SWEEP_STRINGS: readonly string[] = [
  'a\u0000b',
  "'; DROP TABLE units; --",
  'a.b.*',
  '../../etc/passwd',
  '%_\\',
  '😀👨‍👩‍👧‍👦',
  'x'.repeat(3000),
  ' ',
];

/** Authorization headers that authenticate nobody. */
const BAD_AUTHORIZATIONS: readonly string[] = [
  '',
  'Bearer',
  'Bearer abc.def.ghi',
  'Basic YWRtaW46YWRtaW4=',
  'Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbiJ9.',
  `Bearer ${'x'.repeat(4000)}`,
];

/** The texts of the sweeps every route gets first. */
const SWEEP_TEXTS: readonly string[] = ['a\u0000b', "'; DROP TABLE units; --", 'x'.repeat(3000)];

const toText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** Properties a client should never be able to set: mass-assignment attempts. */
const EXTRA_PROPERTIES: readonly string[] = ['tenantId', 'id', 'path', 'createdAt', 'isAdmin', 'role', 'constructor', 'prototype', 'x'];

/** Bodies that are not what any route reads. */
const MALFORMED_JSON: readonly string[] = [
  '',
  '{',
  '{"a":1,}',
  "{'a':1}",
  'nul',
  '[1,2',
  '{"a":"\\ud800"}',
  '{"__proto__":{"isAdmin":true}}',
  '{"constructor":{"prototype":{"isAdmin":true}}}',
  'null',
  'true',
  '42',
  '"text"',
  '[]',
  '[{}]',
  '1e999',
  '{"a":1e999}',
  `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`,
  '\u0000',
];

// ---------------------------------------------------------------------------------------------
// Arbitraries from schemas
// ---------------------------------------------------------------------------------------------

/** What the generator knows about the world it fuzzes. */
export interface FuzzContext {
  /** Ids of the acting tenant for a field, parameter or array of that name (accountId, unitId, id of /v1/cases/{id} …); [] when unknown. */
  idsFor(name: string, operation: Operation): readonly string[];
  /** Ids of the other tenant: references across tenants. */
  foreignIds: readonly string[];
  /** Plausible texts (names that pass the naming rule, job names …) for a field of that name. */
  wordsFor(name: string, operation: Operation): readonly string[];
  /** Well-formed bodies for an operation (from the fixtures), mixed with the generated ones. */
  examplesFor(operation: Operation): readonly unknown[];
}

const DAY_MS = 86_400_000;

/** Days around "today" mostly (rules look at the future and the past), a few far away. */
function dateArb(today: Date): fc.Arbitrary<string> {
  const near = fc.integer({ min: -400, max: 30 }).map((offset) => new Date(today.getTime() + offset * DAY_MS).toISOString().slice(0, 10));
  const far = fc
    .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10));
  return fc.oneof({ weight: 6, arbitrary: near }, { weight: 1, arbitrary: far });
}

function dateTimeArb(today: Date): fc.Arbitrary<string> {
  return fc
    .integer({ min: -400 * 24, max: 30 * 24 })
    .chain((hours) =>
      fc.constantFrom(
        new Date(today.getTime() + hours * 3_600_000).toISOString(),
        new Date(today.getTime() + hours * 3_600_000).toISOString().replace('Z', '+08:00'),
      ),
    );
}

const isDateField = (name: string, schema: Schema): boolean =>
  schema.pattern === '^\\d{4}-\\d{2}-\\d{2}$' ||
  /YYYY-MM-DD/.test(schema.description ?? '') ||
  /(On|Date|Day)$/.test(name) ||
  ['day', 'from', 'to', 'deadline', 'date', 'openedOn'].includes(name);

const isDateTimeField = (name: string, schema: Schema): boolean =>
  schema.format === 'date-time' || (schema.pattern ?? '').includes('T\\d{2}') || /At$/.test(name) || name === 'at';

/** Builds request values from the document's schemas, mixing well-formed values with hostile ones. */
export class RequestArbitraries {
  private readonly today = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);

  constructor(
    private readonly doc: OpenApiDocument,
    private readonly ctx: FuzzContext,
  ) {}

  resolve(schema: Schema): Schema {
    let s = schema;
    for (let i = 0; i < 10 && s.$ref; i += 1) s = this.doc.components.schemas[s.$ref.replace('#/components/schemas/', '')];
    if (s.allOf && s.allOf.length === 1 && !s.properties) {
      const { allOf, ...rest } = s;
      return { ...this.resolve(allOf[0]), ...rest };
    }
    return s;
  }

  /**
   * A value that satisfies the declared schema (not necessarily the rules behind it); with
   * `mixHostile`, any nested field may instead be hostile (one in eight).
   */
  wellFormed(schemaIn: Schema, name: string, op: Operation, depth: number, mixHostile = false): fc.Arbitrary<unknown> {
    const schema = this.resolve(schemaIn);
    const child = (s: Schema, n: string): fc.Arbitrary<unknown> =>
      mixHostile
        ? fc.oneof(
            { weight: 7, arbitrary: this.wellFormed(s, n, op, depth + 1, true) },
            { weight: 1, arbitrary: this.hostile(this.resolve(s), n, op, depth + 1) },
          )
        : this.wellFormed(s, n, op, depth + 1);
    if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
    switch (schema.type) {
      case 'boolean':
        return fc.boolean();
      case 'integer':
      case 'number':
        return this.number(schema);
      case 'array': {
        const item = schema.items ?? {};
        return fc.array(depth > 4 ? fc.constant('x') : child(item, name.replace(/s$/, '')), {
          minLength: schema.minItems ?? 0,
          maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 4, 4)),
        });
      }
      case 'object':
        return this.object(schema, depth, child);
      default:
        if (schema.properties) return this.object(schema, depth, child);
        if (schema.type === undefined && !schema.format && !schema.pattern) return fc.oneof(fc.string(), fc.integer(), fc.boolean());
        return this.string(schema, name, op);
    }
  }

  private number(schema: Schema): fc.Arbitrary<number> {
    const min = schema.minimum ?? (schema.maximum !== undefined ? Math.min(0, schema.maximum) : 0);
    const max = schema.maximum ?? Math.max(min + 100_000, 100_000);
    const fractional = !Number.isInteger(min) || (schema.maximum !== undefined && schema.maximum <= 1);
    if (fractional) return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max));
  }

  private string(schema: Schema, name: string, op: Operation): fc.Arbitrary<string> {
    const ids = this.ctx.idsFor(name, op);
    if (schema.format === 'uuid' || ids.length > 0) {
      const weighted: fc.WeightedArbitrary<string>[] = [{ weight: 1, arbitrary: fc.uuid() }];
      if (ids.length > 0) weighted.push({ weight: 8, arbitrary: fc.constantFrom(...ids) });
      if (this.ctx.foreignIds.length > 0) weighted.push({ weight: 1, arbitrary: fc.constantFrom(...this.ctx.foreignIds) });
      return fc.oneof(...weighted);
    }
    if (isDateTimeField(name, schema)) return dateTimeArb(this.today);
    if (isDateField(name, schema)) return dateArb(this.today);
    if (schema.format === 'uri') return fc.integer({ min: 1, max: 9999 }).map((n) => `https://www.example.gov.cn/notice/${n}`);
    if (schema.format === 'email') return fc.constantFrom('zhang.san@example.gov.cn', 'a@b.cn');
    const words = this.ctx.wordsFor(name, op);
    const fits = (w: string) => w.length >= (schema.minLength ?? 0) && w.length <= (schema.maxLength ?? Infinity);
    const known = words.filter((w) => fits(w) && (!schema.pattern || new RegExp(schema.pattern).test(w)));
    let free: fc.Arbitrary<string>;
    if (schema.pattern) {
      const pattern = new RegExp(schema.pattern);
      free = fc.stringMatching(pattern).filter((s) => fits(s) && pattern.test(s));
    } else {
      const minLength = schema.minLength ?? 0;
      free = fc.string({ unit: 'grapheme', minLength, maxLength: Math.max(minLength, Math.min(schema.maxLength ?? 40, 40)) });
    }
    if (known.length === 0) return free;
    return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: free });
  }

  private object(
    schema: Schema,
    depth: number,
    child: (s: Schema, name: string) => fc.Arbitrary<unknown>,
  ): fc.Arbitrary<Record<string, unknown>> {
    if (depth > 5) return fc.constant({});
    const properties = schema.properties ?? {};
    const keys = Object.keys(properties);
    if (keys.length === 0) {
      if (schema.additionalProperties === false) return fc.constant({});
      const value =
        schema.additionalProperties && typeof schema.additionalProperties === 'object'
          ? child(schema.additionalProperties, 'value')
          : fc.jsonValue({ maxDepth: 2 });
      const known = this.ctx.wordsFor('objectKey', OBJECT_KEYS);
      const key = known.length > 0 ? fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom(...known)) : fc.string({ maxLength: 10 });
      return fc.dictionary(key, value, { maxKeys: 4 });
    }
    const model = Object.fromEntries(keys.map((key) => [key, child(properties[key], key)]));
    return fc.record(model, { requiredKeys: (schema.required ?? []).filter((k) => keys.includes(k)) }) as fc.Arbitrary<
      Record<string, unknown>
    >;
  }

  private idLike(schema: Schema, name: string, op: Operation): boolean {
    return schema.format === 'uuid' || this.ctx.idsFor(name, op).length > 0;
  }

  private foreign(): fc.Arbitrary<string> {
    return this.ctx.foreignIds.length > 0 ? fc.constantFrom(...this.ctx.foreignIds) : fc.uuid();
  }

  /** A value of the wrong type, out of range, too long, or otherwise unkind. */
  hostile(schema: Schema, name: string, op: Operation, depth: number): fc.Arbitrary<unknown> {
    const wrongType = fc.constantFrom<unknown>(null, true, 0, -1, 'x', [], {}, ['a'], { a: 1 });
    const strings = fc.constantFrom(...HOSTILE_STRINGS);
    // The other tenant's ids go where ids go. In a free text they would be the caller's own data
    // afterwards, and every later answer would carry them.
    const foreign = this.idLike(schema, name, op) ? this.foreign() : fc.uuid();
    if (schema.enum) {
      const first = String(schema.enum[0]);
      return fc.oneof(fc.constantFrom(first.toUpperCase(), `${first} `, `${first},${first}`, ''), strings, wrongType);
    }
    switch (schema.type) {
      case 'boolean':
        return fc.constantFrom<unknown>('true', 'false', 1, 0, 'yes', null, []);
      case 'integer':
      case 'number': {
        const edges = [schema.minimum, schema.maximum]
          .filter((v): v is number => v !== undefined)
          .flatMap((v) => [v - 1, v + 1, v + 0.5, -v]);
        return fc.oneof(fc.constantFrom(...HOSTILE_NUMBERS, ...edges), fc.constantFrom<unknown>('1', '', 'NaN', null, true, [1]));
      }
      case 'array': {
        const item = schema.items ? this.resolve(schema.items) : {};
        const tooMany =
          schema.maxItems !== undefined && schema.maxItems <= 5000
            ? this.wellFormed(item, name.replace(/s$/, ''), op, depth + 1).map((v) => Array.from({ length: schema.maxItems! + 1 }, () => v))
            : fc.constant(Array.from({ length: 6000 }, () => null));
        return fc.oneof(
          fc.constant([]),
          tooMany,
          fc.array(this.hostile(item, name, op, depth + 1), { minLength: 1, maxLength: 3 }),
          fc.constantFrom<unknown>('a,b', null, {}, 'x'),
        );
      }
      case 'object':
        return this.hostileObject(schema, name, op, depth);
      default:
        if (schema.properties) return this.hostileObject(schema, name, op, depth);
        if (isDateField(name, schema) || isDateTimeField(name, schema)) return fc.oneof(fc.constantFrom(...HOSTILE_DATES), strings);
        if (schema.type === undefined)
          return fc.oneof(strings, foreign, wrongType, fc.constantFrom<unknown>(...HOSTILE_NUMBERS), fc.constantFrom(...HOSTILE_DATES));
        return fc.oneof({ weight: 4, arbitrary: strings }, { weight: 2, arbitrary: foreign }, { weight: 1, arbitrary: wrongType });
    }
  }

  /** An object without a required field, with a field nobody may set, or not an object at all. */
  private hostileObject(schema: Schema, name: string, op: Operation, depth: number): fc.Arbitrary<unknown> {
    const base = this.wellFormed(schema, name, op, depth) as fc.Arbitrary<Record<string, unknown>>;
    const required = schema.required ?? [];
    const missing =
      required.length > 0
        ? fc.tuple(base, fc.constantFrom(...required)).map(([o, key]) => {
            const copy = { ...o };
            delete copy[key];
            return copy;
          })
        : base;
    // Into a closed object (refused) the other tenant's ids; into a free-form one (kept) random ones.
    const foreign = schema.additionalProperties ? fc.uuid() : this.foreign();
    const extra = fc
      .tuple(base, fc.constantFrom(...EXTRA_PROPERTIES), fc.oneof(foreign, fc.jsonValue({ maxDepth: 1 })))
      .map(([o, key, v]) => ({ ...o, [key]: v }));
    return fc.oneof(missing, extra, fc.constantFrom<unknown>(null, [], 'x', 42));
  }

  /** Path, query, headers and body of one request to the operation. */
  request(op: Operation): fc.Arbitrary<FuzzRequest> {
    const pathParams = op.parameters.filter((p) => p.in === 'path');
    const headerParams = op.parameters.filter((p) => p.in === 'header');

    const path = fc
      .tuple(...pathParams.map((p) => this.pathValue(p, op)))
      .map((values) => pathParams.reduce((acc, p, i) => acc.replace(`{${p.name}}`, encodeURIComponent(values[i])), op.path));

    // Now and then a credential that is none: the answer is a 401 problem (public routes ignore it).
    const badAuthorization = sometimes(fc.constantFrom(...BAD_AUTHORIZATIONS), 1 / 15);
    const headers = fc
      .tuple(fc.tuple(...headerParams.map((p) => fc.option(this.headerValue(p), { freq: 2 }))), badAuthorization)
      .map(([values, authorization]) => {
        const out: Record<string, string> = {};
        headerParams.forEach((p, i) => {
          if (values[i] !== null) out[p.name] = values[i]!;
        });
        if (authorization !== null) out.authorization = authorization;
        return out;
      });

    return fc.record({ method: fc.constant(op.method), path, query: this.query(op), headers, body: this.body(op) }).map((req) =>
      // fast-check prints counterexamples with this: long hostile values cut short.
      Object.assign(req, { [fc.toStringMethod]: () => describeRequest(req) }),
    );
  }

  private pathValue(p: OpenApiParameter, op: Operation): fc.Arbitrary<string> {
    const schema = this.resolve(p.schema);
    const ids = this.ctx.idsFor(p.name, op);
    const words = this.ctx.wordsFor(p.name, op);
    const hostile = fc.oneof(
      fc.constantFrom(...HOSTILE_QUERY_STRINGS.filter((s) => s.length > 0)),
      fc.uuid().map((u) => u.toUpperCase()),
      fc.uuid().map((u) => `${u}x`),
    );
    const known: fc.Arbitrary<string>[] = [];
    if (ids.length > 0) known.push(fc.constantFrom(...ids));
    if (words.length > 0) known.push(fc.constantFrom(...words));
    if (schema.enum) known.push(fc.constantFrom(...schema.enum.map(String)));
    if (schema.type === 'number' || schema.type === 'integer') known.push(this.number(schema).map(String));
    const wellFormed = known.length > 0 ? fc.oneof(...known) : fc.uuid();
    const weighted: fc.WeightedArbitrary<string>[] = [
      { weight: 8, arbitrary: wellFormed },
      { weight: 1, arbitrary: fc.uuid() },
      { weight: 2, arbitrary: hostile },
    ];
    if (this.ctx.foreignIds.length > 0) weighted.push({ weight: 1, arbitrary: fc.constantFrom(...this.ctx.foreignIds) });
    return fc.oneof(...weighted);
  }

  /** Well-formed values of a query parameter: one, or for an array several (repeated, or a comma list). */
  private queryValue(p: OpenApiParameter, op: Operation): fc.Arbitrary<string[]> {
    const schema = this.resolve(p.schema);
    if (schema.type !== 'array') return this.wellFormed(schema, p.name, op, 1).map((v) => [toText(v)]);
    const items = fc.array(this.wellFormed(schema.items ?? {}, p.name, op, 1).map(toText), { minLength: 1, maxLength: 3 });
    return fc.oneof(
      items,
      items.map((vs) => [vs.join(',')]),
    );
  }

  private isTextParameter(p: OpenApiParameter): boolean {
    const schema = this.resolve(p.schema);
    return schema.type === 'string' && !schema.enum;
  }

  /**
   * Well-formed requests with the same unkind text in every text of the query and the body: run
   * first on every route, so that a gap in the handling of NUL bytes, SQL-ish or very long texts
   * shows whatever the random draws.
   */
  sweeps(op: Operation, seed: number): FuzzRequest[] {
    const pathParams = op.parameters.filter((p) => p.in === 'path');
    const queryParams = op.parameters.filter((p) => p.in === 'query');
    const known = (p: OpenApiParameter): fc.Arbitrary<string> => {
      const schema = this.resolve(p.schema);
      const ids = this.ctx.idsFor(p.name, op);
      const words = this.ctx.wordsFor(p.name, op);
      if (ids.length > 0) return fc.constantFrom(...ids);
      if (words.length > 0) return fc.constantFrom(...words);
      if (schema.enum) return fc.constantFrom(...schema.enum.map(String));
      if (schema.type === 'number' || schema.type === 'integer') return this.number(schema).map(String);
      return fc.uuid();
    };
    const examples = this.ctx.examplesFor(op);
    const schema = op.body?.schema ? this.resolve(op.body.schema) : undefined;
    const clean = fc.record({
      path: fc
        .tuple(...pathParams.map(known))
        .map((values) => pathParams.reduce((acc, p, i) => acc.replace(`{${p.name}}`, encodeURIComponent(values[i])), op.path)),
      query: fc.tuple(...queryParams.map((p) => this.queryValue(p, op))),
      body: examples.length > 0 ? fc.constantFrom(...examples) : schema ? this.wellFormed(schema, 'body', op, 0) : fc.constant(undefined),
    });
    const [base] = fc.sample(clean, { numRuns: 1, seed });
    const requests: FuzzRequest[] = [];
    for (const text of SWEEP_TEXTS) {
      const query = queryParams.flatMap((p, i) =>
        (this.isTextParameter(p) ? [text] : base.query[i]).map((v): [string, string] => [p.name, v]),
      );
      const body = base.body === undefined ? undefined : replaceAllStrings(base.body, text);
      if (JSON.stringify(body) === JSON.stringify(base.body) && !queryParams.some((p) => this.isTextParameter(p))) continue;
      const req: FuzzRequest = {
        method: op.method,
        path: base.path,
        query,
        headers: {},
        body: body === undefined ? undefined : { contentType: 'application/json', text: JSON.stringify(body) },
      };
      requests.push(Object.assign(req, { [fc.toStringMethod]: () => describeRequest(req) }));
    }
    // and every optional field of the body sent as null (only what the document declares nullable takes it)
    if (schema && base.body !== undefined) {
      const nulled = this.nullOptionals(base.body, schema);
      if (JSON.stringify(nulled) !== JSON.stringify(base.body)) {
        const req: FuzzRequest = {
          method: op.method,
          path: base.path,
          query: queryParams.flatMap((p, i) => base.query[i].map((v): [string, string] => [p.name, v])),
          headers: {},
          body: { contentType: 'application/json', text: JSON.stringify(nulled) },
        };
        requests.push(Object.assign(req, { [fc.toStringMethod]: () => describeRequest(req) }));
      }
    }
    return requests;
  }

  /** The value with every property its schema does not require set to null, nested objects included. */
  private nullOptionals(value: unknown, schemaIn: Schema, depth = 0): unknown {
    const schema = this.resolve(schemaIn);
    if (depth > 5) return value;
    if (Array.isArray(value)) return value.map((item) => (schema.items ? this.nullOptionals(item, schema.items, depth + 1) : item));
    if (!value || typeof value !== 'object' || !schema.properties) return value;
    const required = new Set(schema.required ?? []);
    return Object.fromEntries(
      Object.entries(schema.properties).flatMap(([key, property]): [string, unknown][] => {
        const current = (value as Record<string, unknown>)[key];
        if (!required.has(key)) return [[key, null]];
        return current === undefined ? [] : [[key, this.nullOptionals(current, property, depth + 1)]];
      }),
    );
  }

  /**
   * The query: well-formed values (optional parameters left out half of the time), then sometimes one
   * parameter made hostile (a wrong value, or twice where it is single), sometimes a parameter no route reads.
   */
  private query(op: Operation): fc.Arbitrary<[string, string][]> {
    const params = op.parameters.filter((p) => p.in === 'query');
    const wellFormed = (p: OpenApiParameter) => this.queryValue(p, op);
    const hostile = (p: OpenApiParameter): fc.Arbitrary<string[]> =>
      fc.oneof(
        fc.constantFrom(...HOSTILE_QUERY_STRINGS).map((v) => [v]),
        this.hostile(this.resolve(p.schema), p.name, op, 1).map((v) => [toText(v)]),
        fc.tuple(wellFormed(p), wellFormed(p)).map(([a, b]) => [...a, ...b]),
      );
    const values = fc.tuple(...params.map((p) => (p.required ? wellFormed(p) : fc.option(wellFormed(p), { freq: 2 }))));
    const spoiled =
      params.length > 0
        ? sometimes(fc.oneof(...params.map((p, i) => hostile(p).map((v) => ({ index: i, values: v as string[] | null })))), 1 / 3)
        : fc.constant(null);
    const missingRequired = params.some((p) => p.required)
      ? sometimes(fc.constantFrom(...params.flatMap((p, i) => (p.required ? [i] : []))), 1 / 12)
      : fc.constant(null);
    const unknown = sometimes(
      fc.tuple(fc.constantFrom('unknown', 'tenantId', 'limit[]', '__proto__', 'under.path'), fc.constantFrom(...HOSTILE_QUERY_STRINGS)),
      1 / 10,
    );
    // now and then every text parameter the same unkind string
    const textParams = params.flatMap((p, i) => (this.isTextParameter(p) ? [i] : []));
    const sweep = textParams.length > 0 ? sometimes(fc.constantFrom(...SWEEP_STRINGS), 1 / 6) : fc.constant(null);
    return fc.tuple(values, spoiled, missingRequired, unknown, sweep).map(([vals, spoil, missing, extra, swept]) => {
      const chosen: (string[] | null)[] = [...vals];
      if (swept !== null) textParams.forEach((i) => (chosen[i] = [swept]));
      if (spoil) chosen[spoil.index] = spoil.values;
      if (missing !== null) chosen[missing] = null;
      const pairs = params.flatMap((p, i) => (chosen[i] ?? []).map((v): [string, string] => [p.name, v]));
      if (extra) pairs.push(extra);
      return pairs;
    });
  }

  private headerValue(_p: OpenApiParameter): fc.Arbitrary<string> {
    // Header values are Latin-1 without control characters (Node refuses others before sending).
    const safe = fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.:/ ~!*\u00e9'.split('')), maxLength: 80 });
    return fc.oneof(fc.uuid(), safe, fc.constantFrom('', ' ', 'x'.repeat(10_000), "'; DROP TABLE idempotency_keys; --"));
  }

  /**
   * The body: well-formed for the schema or from the fixtures' examples, the same with one field made
   * hostile, every field possibly hostile, the whole body hostile, malformed JSON, other media types.
   */
  private body(op: Operation): fc.Arbitrary<FuzzBody | undefined> {
    const json = (v: unknown): FuzzBody => ({ contentType: 'application/json', text: JSON.stringify(v) ?? '' });
    const malformed = fc.constantFrom(...MALFORMED_JSON).map((text): FuzzBody => ({ contentType: 'application/json', text }));
    if (!op.body) {
      // Routes without a body get one now and then: it must be ignored or refused, never a crash.
      return fc.oneof(
        { weight: 6, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map(json) },
        { weight: 1, arbitrary: malformed },
      );
    }
    const anyHostile = this.hostile({}, 'field', op, 1);
    const oneFieldHostile = (base: fc.Arbitrary<unknown>) =>
      fc.tuple(base, fc.nat(), anyHostile).map(([value, n, v]) => json(replaceOneField(value, n, v)));
    // Every text of the body the same unkind string: a gap in the handling of NUL bytes, SQL or sizes shows at once.
    const sweep = (base: fc.Arbitrary<unknown>) =>
      fc.tuple(base, fc.constantFrom(...SWEEP_STRINGS)).map(([value, text]) => json(replaceAllStrings(value, text)));
    const weighted: fc.WeightedArbitrary<FuzzBody | undefined>[] = [];
    if (op.body.schema) {
      const schema = this.resolve(op.body.schema);
      const wellFormed = this.wellFormed(schema, 'body', op, 0);
      weighted.push(
        { weight: 4, arbitrary: wellFormed.map(json) },
        { weight: 3, arbitrary: oneFieldHostile(wellFormed) },
        { weight: 1, arbitrary: this.wellFormed(schema, 'body', op, 0, true).map(json) },
        { weight: 1, arbitrary: sweep(wellFormed) },
        { weight: 1, arbitrary: this.hostile(schema, 'body', op, 0).map(json) },
      );
    }
    const examples = this.ctx.examplesFor(op);
    if (examples.length > 0) {
      const example = fc.constantFrom(...examples);
      weighted.push(
        { weight: 4, arbitrary: example.map(json) },
        { weight: 3, arbitrary: oneFieldHostile(example) },
        { weight: 2, arbitrary: sweep(example) },
        {
          // a well-formed body whose first number is too big for JavaScript: JSON.parse reads Infinity
          weight: 1,
          arbitrary: example.map((value) => {
            const text = JSON.stringify(value);
            return { contentType: 'application/json', text: /:-?\d/.test(text) ? text.replace(/:(-?\d+(\.\d+)?)/, ':1e999') : text };
          }),
        },
      );
    }
    if (op.body.contentTypes.includes('text/csv')) {
      const cell = fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.constantFrom(...HOSTILE_STRINGS.slice(0, 20)),
        fc.constantFrom('tx', 'bureau', '长沙市天心区某局'),
      );
      weighted.push({
        weight: 3,
        arbitrary: fc.array(fc.array(cell, { maxLength: 10 }), { maxLength: 5 }).map((rows) => ({
          contentType: 'text/csv',
          text: [CSV_HEADER, ...rows.map((r) => r.join(','))].join('\n'),
        })),
      });
    }
    weighted.push({ weight: 2, arbitrary: malformed });
    weighted.push({
      weight: 1,
      arbitrary: fc.constantFrom<FuzzBody | undefined>(
        undefined,
        { contentType: 'text/plain', text: 'hello' },
        { contentType: 'application/x-www-form-urlencoded', text: 'a=1&b=2' },
        { contentType: 'application/xml', text: '<a/>' },
        { contentType: 'application/json; charset=utf-16', text: '{}' },
        { contentType: 'multipart/form-data; boundary=x', text: '--x\r\n\r\n--x--' },
      ),
    });
    return fc.oneof(...weighted);
  }
}

/** The value with the given probability, else null. */
const sometimes = <T>(arb: fc.Arbitrary<T>, probability: number): fc.Arbitrary<T | null> =>
  fc.oneof(
    { weight: Math.round((1 - probability) * 100), arbitrary: fc.constant(null) },
    { weight: Math.round(probability * 100), arbitrary: arb },
  );

const CSV_HEADER = 'code,parent_code,name,short_name,level,division_code,sector,sector_parent_code,supervisor';
/** An operation-less context for the keys of free-form objects (platforms, measures …). */
const OBJECT_KEYS = {
  key: 'object keys',
  method: 'get',
  path: '',
  operationId: '',
  permission: null,
  parameters: [],
  responses: {},
} as Operation;

/**
 * Strings that are names, notes, reasons …: not ids, dates, URLs, e-mail addresses, phone numbers or
 * enum-like codes, whose formats the validation checks first (one of them spoiled, nothing else would
 * reach the database).
 */
const isFreeText = (s: string): boolean =>
  !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s) &&
  !/^\d{4}-\d{2}-\d{2}/.test(s) &&
  !/^[a-z]+:\/\//i.test(s) &&
  !s.includes('@') &&
  !/^[0-9+\-() ]+$/.test(s) &&
  !/^[a-z][a-z0-9_:-]*$/.test(s);

/** The same value with every free text (not the keys) replaced by `text`. */
function replaceAllStrings(value: unknown, text: string): unknown {
  if (typeof value === 'string') return isFreeText(value) ? text : value;
  if (Array.isArray(value)) return value.map((item) => replaceAllStrings(item, text));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceAllStrings(v, text)]));
  return value;
}

/** Sets the n-th (modulo) field of an object, nested ones included, to a value. */
function replaceOneField(example: unknown, n: number, value: unknown): unknown {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]): void => {
    if (path.length > 0) paths.push(path);
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i]));
    else if (v && typeof v === 'object') Object.entries(v).forEach(([k, item]) => walk(item, [...path, k]));
  };
  walk(example, []);
  if (paths.length === 0) return value;
  const target = paths[n % paths.length];
  const copy = structuredClone(example) as Record<string | number, unknown>;
  let cursor = copy;
  for (const key of target.slice(0, -1)) cursor = cursor[key] as Record<string | number, unknown>;
  cursor[target[target.length - 1]] = value;
  return copy;
}

export interface FuzzBody {
  contentType: string;
  text: string;
}

export interface FuzzRequest {
  method: HttpMethod;
  /** The path with its parameters filled in (URL-encoded). */
  path: string;
  query: [string, string][];
  headers: Record<string, string>;
  body: FuzzBody | undefined;
}

const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text);

/** One line for a request, long values cut short. */
export function describeRequest(req: FuzzRequest): string {
  const body = req.body ? `${req.body.contentType} ${cut(req.body.text, 400)}` : '(no body)';
  return `${req.method.toUpperCase()} ${cut(`${req.path}${queryString(req.query)}`, 300)} ${cut(JSON.stringify(req.headers), 200)} ${body}`;
}

export const queryString = (pairs: [string, string][]): string =>
  pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;

// ---------------------------------------------------------------------------------------------
// Answers against the document
// ---------------------------------------------------------------------------------------------

/**
 * OpenAPI 3.0 schema → JSON Schema for ajv: `nullable` becomes a union with null (ajv's own
 * `nullable` ignores allOf/enum siblings), refs point into the registered document, and every object
 * with declared properties is closed (`additionalProperties: false`), so that an answer carrying a
 * field the document does not declare fails: the SDK's types would not know it.
 */
function toJsonSchema(schema: unknown, closeObjects: boolean): unknown {
  if (Array.isArray(schema)) return schema.map((s) => toJsonSchema(s, closeObjects));
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(s)) {
    if (key === 'nullable' || key === 'example' || key === 'examples') continue;
    if (key === '$ref' && typeof value === 'string') out.$ref = value.replace(/^#\//, 'openapi.json#/');
    else if (key === 'properties' && value && typeof value === 'object')
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSchema(v, closeObjects)]));
    else out[key] = toJsonSchema(value, closeObjects);
  }
  if (closeObjects && s.properties && s.additionalProperties === undefined) out.additionalProperties = false;
  if (s.nullable === true) return { anyOf: [{ type: 'null' }, out] };
  return out;
}

export class ResponseSchemas {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(
    doc: OpenApiDocument,
    private readonly closeObjects = true,
  ) {
    this.ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    addFormats(this.ajv, ['uuid', 'date', 'date-time', 'uri', 'email']);
    this.ajv.addFormat('binary', true);
    this.ajv.addSchema({ $id: 'openapi.json', components: toJsonSchema(doc.components, closeObjects) });
  }

  /** The schema violations of a body (empty when it conforms). */
  violations(key: string, schema: Schema, body: unknown): string[] {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema, this.closeObjects) as object);
      this.compiled.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  }
}
