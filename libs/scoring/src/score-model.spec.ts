import { INDICATOR_KEYS, modelErrors, PRESETS, presetOf, ScoreModelDefinition, termsOf } from './score-model';
import { bindStage, modelSql, periodReads, stagesFor } from './scoring-sql';

describe('score models', () => {
  it('ships presets whose weights add up and whose indicators exist', () => {
    for (const preset of PRESETS) {
      expect(modelErrors(preset.definition)).toEqual([]);
      termsOf(preset.definition).forEach((t) => expect(INDICATOR_KEYS).toContain(t.indicator));
    }
    expect(termsOf(presetOf('six_index')!.definition).map((t) => t.index)).toEqual([
      ...Array(2).fill('interaction'),
      ...Array(3).fill('audience'),
      ...Array(3).fill('dissemination'),
      ...Array(4).fill('growth'),
      ...Array(3).fill('content'),
      ...Array(4).fill('cluster'),
    ]);
  });

  it('names the offending part of an inconsistent model', () => {
    const model: ScoreModelDefinition = {
      normalization: 'ln',
      transform: 'linear',
      scale: 1,
      indices: [
        { key: 'a', weight: 0.5, indicators: [{ indicator: 'posts', weight: 0.5, lowerIsBetter: true }] },
        { key: 'a', weight: 0.4, indicators: [{ indicator: 'likes', weight: 1 }] },
      ],
      vetoes: [
        { when: 'status:force_closed', cap: 0 },
        { when: 'status:force_closed', cap: 1 },
      ],
    };
    expect(modelErrors(model).map((e) => e.pointer)).toEqual([
      '/definition/indices',
      '/definition/indices/0/indicators',
      '/definition/indices/0/indicators/0/lowerIsBetter',
      '/definition/indices/1/key',
      '/definition/vetoes/1/when',
    ]);
  });
});

const YEAR = { from: '2025-01-01', to: '2025-12-31' };

describe('scoring SQL', () => {
  it('reads only what a model needs: BCI scans the metrics of the period, no matrix, no year before', () => {
    const stages = stagesFor(presetOf('bci')!.definition, YEAR);
    expect(stages.map((s) => s.name)).toEqual(['sc_accounts', 'months_refresh', 'sc_metrics', 'sc_vetoes', 'sc_final']);
    const metrics = stages[2].sql;
    expect(metrics).toContain('AS posts');
    expect(metrics).not.toContain('followers_key');
    expect(metrics).not.toContain("interval '1 year'");
    expect(stagesFor(presetOf('six_index')!.definition, YEAR).map((s) => s.name)).toEqual([
      'sc_accounts',
      'months_refresh',
      'sc_metrics',
      'sc_vetoes',
      'sc_superiors',
      'sc_pairs',
      'sc_links',
      'sc_coverage',
      'sc_task_list',
      'sc_task_reposts',
      'sc_tasks',
      'sc_final',
    ]);
  });

  it('reads whole months from the rollup and only the days of partial months', () => {
    expect(periodReads('2025-01-01', '2025-12-31')).toEqual({ months: ['2025-01-01', '2025-12-01'], days: [] });
    expect(periodReads('2025-03-10', '2025-06-05')).toEqual({
      months: ['2025-04-01', '2025-05-01'],
      days: [
        ['2025-03-10', '2025-03-31'],
        ['2025-06-01', '2025-06-05'],
      ],
    });
    expect(periodReads('2024-02-01', '2024-02-29')).toEqual({ months: ['2024-02-01', '2024-02-01'], days: [] });
    expect(periodReads('2025-02-01', '2025-02-27')).toEqual({ days: [['2025-02-01', '2025-02-27']] });
    expect(periodReads('2025-01-15', '2025-02-14')).toEqual({ days: [['2025-01-15', '2025-02-14']] });
    expect(periodReads('2025-01-15', '2025-02-28')).toEqual({ months: ['2025-02-01', '2025-02-01'], days: [['2025-01-15', '2025-01-31']] });
    expect(periodReads('2025-12-31', '2025-12-31')).toEqual({ days: [['2025-12-31', '2025-12-31']] });

    const scan = (period: { from: string; to: string }) =>
      stagesFor(presetOf('six_index')!.definition, period).find((s) => s.name === 'sc_metrics')!.sql;
    // A calendar year and the one before: months only, split by the period's first day.
    expect(scan(YEAR)).toContain(
      "r.month BETWEEN DATE '2025-01-01' AND DATE '2025-12-01' OR r.month BETWEEN DATE '2024-01-01' AND DATE '2024-12-01'",
    );
    expect(scan(YEAR)).toContain("r.month >= DATE '2025-01-01' AS cur");
    expect(scan(YEAR)).not.toContain('FROM daily_metrics m');
    // 29 February 2024 is the day a year before 28 February 2025, as PostgreSQL's date - interval '1 year'.
    expect(scan({ from: '2024-02-29', to: '2025-02-28' })).toContain("m.day BETWEEN DATE '2023-02-28' AND DATE '2023-02-28'");
  });

  it('binds only the parameters a statement uses, renumbered', () => {
    expect(bindStage('SELECT $2::ltree, $4::date, $2::ltree', ['t', 'p', 'f', 'l'])).toEqual({
      sql: 'SELECT $1::ltree, $2::date, $1::ltree',
      params: ['p', 'l'],
    });
  });

  it('writes model numbers as literals and refuses anything but finite numbers', () => {
    const bci = presetOf('bci')!.definition;
    expect(modelSql(bci)).toContain('160::float8');
    expect(() => modelSql({ ...bci, scale: Number.NaN })).toThrow('not a finite number');
  });
});
