import type { RankedScoreDto, ScoreExplanationDto, ScoreModelDto, ScoringRunDto, UnitAggregateDto } from '@govmatrix/scoring';
import { bearer, Session } from './fixtures';
import { acceptFiling, createAccount, createLedgerWorld, expectStatus, LedgerWorld, OPENING_FILING, submitFiling } from './ledger-fixtures';
import { TestApp } from './test-app';

export type { RankedScoreDto, ScoreExplanationDto, ScoreModelDto, ScoringRunDto, UnitAggregateDto };

/**
 * The ledger world with five weibo accounts opened 2024-01-01:
 * - gaj: 天心公安 (tx-gaj, bureau, public_security)   - jyj: 天心教育 (tx-jyj, bureau, education)
 * - hd: 荷塘公安 (hd-gaj, bureau, public_security; active, so that the inspection looks at it)
 * - tx: 天心发布 (the county 天心区 itself)             - cs: 长沙发布 (the city 长沙市 itself)
 */
export interface ScoringWorld extends LedgerWorld {
  accounts: { gaj: string; jyj: string; hd: string; tx: string; cs: string };
}

export async function createScoringWorld(t: TestApp, operator: Session, slug?: string): Promise<ScoringWorld> {
  const world = await createLedgerWorld(t, operator, { slug });
  const open = (unitId: string, name: string) => createAccount(t, world.admin, { unitId, name, openedOn: '2024-01-01' });
  const [gaj, jyj, hd, tx, cs] = await Promise.all([
    open(world.units['tx-gaj'], '天心公安'),
    open(world.units['tx-jyj'], '天心教育'),
    open(world.units['hd-gaj'], '荷塘公安'),
    open(world.units.tx, '天心发布'),
    open(world.units.cs, '长沙发布'),
  ]);
  const filing = await submitFiling(t, world.admin, hd.id, 'opening', { ...OPENING_FILING, decisionDate: '2023-12-25' });
  await acceptFiling(t, world.auditorZz.session, filing.id);
  return { ...world, accounts: { gaj: gaj.id, jyj: jyj.id, hd: hd.id, tx: tx.id, cs: cs.id } };
}

export async function reportMetrics(t: TestApp, session: Session, rows: object[]): Promise<void> {
  const body = expectStatus<{ rejected: number; errors: unknown[] }>(
    await t.http.post('/v1/reports/metrics').set(bearer(session.token)).send({ rows }),
    200,
    'report metrics',
  );
  if (body.rejected > 0) throw new Error(`metrics rejected: ${JSON.stringify(body.errors)}`);
}

export async function reportInteractions(t: TestApp, session: Session, rows: object[]): Promise<void> {
  const body = expectStatus<{ rejected: number; errors: unknown[] }>(
    await t.http.post('/v1/reports/interactions').set(bearer(session.token)).send({ rows }),
    200,
    'report interactions',
  );
  if (body.rejected > 0) throw new Error(`interactions rejected: ${JSON.stringify(body.errors)}`);
}

export async function createModel(t: TestApp, session: Session, body: object): Promise<ScoreModelDto> {
  return expectStatus<ScoreModelDto>(await t.http.post('/v1/scoring/models').set(bearer(session.token)).send(body), 201, 'create model');
}

export async function runScoring(t: TestApp, session: Session, body: object): Promise<ScoringRunDto> {
  return expectStatus<ScoringRunDto>(await t.http.post('/v1/scoring/runs').set(bearer(session.token)).send(body), 201, 'scoring run');
}

/** Every page of a ranking. */
export async function ranking(
  t: TestApp,
  session: Session,
  runId: string,
  query: Record<string, string | boolean>,
): Promise<RankedScoreDto[]> {
  const items: RankedScoreDto[] = [];
  let cursor: string | undefined;
  do {
    const res = await t.http
      .get(`/v1/scoring/runs/${runId}/rankings`)
      .query({ limit: 2, ...query, ...(cursor ? { cursor } : {}) })
      .set(bearer(session.token));
    const page = expectStatus<{ items: RankedScoreDto[]; nextCursor?: string }>(res, 200, 'ranking');
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

export async function explain(t: TestApp, session: Session, runId: string, accountId: string): Promise<ScoreExplanationDto> {
  return expectStatus<ScoreExplanationDto>(
    await t.http.get(`/v1/scoring/runs/${runId}/scores/${accountId}`).set(bearer(session.token)),
    200,
    'score explanation',
  );
}

/** The explanation's own arithmetic: points = weight × normalised, Σ points = uncapped, the cap applied. */
export function expectExplanationAddsUp(e: ScoreExplanationDto): void {
  let sum = 0;
  for (const term of e.terms) {
    if (e.transform === 'linear') expect(term.points).toBe(term.normalised === null ? 0 : term.weight * term.normalised);
    if (term.normalised === null) expect(term.weight).toBe(0);
    sum += term.points;
  }
  expect(sum).toBe(e.uncappedScore);
  const cap = Math.min(...e.vetoes.map((v) => v.cap));
  expect(e.score).toBe(e.vetoes.length > 0 && cap < e.uncappedScore ? cap : e.uncappedScore);
  expect(e.score).toBe(e.uncappedScore + e.vetoAdjustment);
}
