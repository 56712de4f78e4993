// Rankings: the scoring module's latest published run (with each score's explanation) when the
// server has one; otherwise the lower-linkage ranking of the matrix views.
import { get, post } from '../api.js';
import { LEVELS, level as levelName, platform } from '../labels.js';
import { clear, fmt, h, loading, modal, select, showError, table, toast } from '../ui.js';

const RANKINGS = '/v1/scoring/runs/{id}/rankings';
const INDICES = { interaction: '互动', audience: '受众', dissemination: '传播', growth: '成长', content: '内容', cluster: '集群' };

export async function renderRankings(root, ctx, period) {
  if (ctx.offers(RANKINGS) && ctx.can('scores.read')) return scoreRankings(root, ctx, period);
  return linkageRanking(root, period, '评分模块尚未启用：此处按统计期内收到下级转发、评论的次数排名。');
}

async function linkageRanking(root, { under, from, to }, note) {
  const byLower = (await get('/v1/matrix/interaction', { under, from, to, sort: 'lower', limit: 10 })).items;
  clear(
    root,
    h('h3', '下行联动排名'),
    h('p.muted', note),
    table(
      [
        { title: '#', value: () => '', class: 'rank' },
        { title: '单位', value: (r) => r.unitName },
        { title: '层级', value: (r) => levelName(r.level) },
        { title: '下行联动', value: (r) => fmt.int(r.lower.total), class: 'num' },
      ],
      byLower,
    ),
  );
}

async function scoreRankings(root, ctx, period) {
  const [run] = (await get('/v1/scoring/runs', { limit: 1 })).items;
  if (!run) {
    const start = ctx.can('scores.write')
      ? h(
          'button.primary',
          {
            type: 'button',
            id: 'start-scoring',
            onclick: async (event) => {
              event.target.disabled = true;
              clear(root, loading('正在评分…'));
              try {
                await post('/v1/scoring/runs', { from: period.from, to: period.to, unitId: period.under });
                toast('评分已发布');
              } catch (error) {
                showError(error);
              }
              await scoreRankings(root, ctx, period);
            },
          },
          '按统计期评分',
        )
      : null;
    clear(root, h('h3', '综合评分排名'), h('p.muted', '尚无已发布的评分结果。'), start);
    return;
  }

  const levelSelect = select('level', Object.entries(LEVELS), 'bureau');
  const list = h('div', loading());
  const show = async () => {
    const page = await get(RANKINGS.replace('{id}', run.id), { by: 'level', level: levelSelect.value, under: period.under, limit: 15 });
    clear(
      list,
      table(
        [
          { title: '名次', value: (r) => r.rankLevel, class: 'num' },
          {
            title: '账号',
            value: (r) => h('div', h('strong', r.accountName), h('div.muted.small', `${r.unitName} · ${platform(r.platform)}`)),
          },
          {
            title: '得分',
            value: (r) =>
              h(
                'span',
                { title: r.vetoes.length ? `否决项：${r.vetoes.join('、')}` : null },
                r.score.toFixed(1),
                r.vetoes.length ? ' ⚑' : '',
              ),
            class: 'num',
          },
          { title: '百分位', value: (r) => fmt.pct(r.percentileLevel, 1), class: 'num' },
        ],
        page.items,
        { empty: '该层级没有参评账号', onRow: (r) => explain(run, r) },
      ),
    );
  };
  levelSelect.addEventListener('change', () => show().catch((error) => showError(error, list)));
  clear(
    root,
    h('div.page-head', h('h3', '综合评分排名'), levelSelect),
    h(
      'p.muted',
      `${run.modelKey} v${run.modelVersion}，${run.from} 至 ${run.to}，${fmt.datetime(run.publishedAt)} 发布；点击账号查看得分构成。`,
    ),
    list,
  );
  await show();
}

/** Why the account scores what it does: every term, the vetoes, the ranks. */
async function explain(run, row) {
  const e = await get(`/v1/scoring/runs/${run.id}/scores/${row.accountId}`);
  const body = h(
    'div.explanation',
    h(
      'p',
      `得分 ${e.score.toFixed(2)}（未封顶 ${e.uncappedScore.toFixed(2)}${e.vetoes.length ? `，否决项封顶 ${e.vetoAdjustment.toFixed(2)}` : ''}）；`,
      `同层级第 ${e.rankLevel} 名，同行业第 ${e.rankSector} 名，总第 ${e.rankOverall} 名。`,
    ),
    table(
      [
        { title: '指数', value: (t) => INDICES[t.index] ?? t.index },
        { title: '指标', value: (t) => t.indicator },
        { title: '原始值', value: (t) => (t.raw === null ? '不适用' : fmt.int(Math.round(t.raw * 100) / 100)), class: 'num' },
        { title: '标准化', value: (t) => (t.normalised === null ? '—' : t.normalised.toFixed(3)), class: 'num' },
        { title: '权重', value: (t) => t.weight.toFixed(3), class: 'num' },
        { title: '得分', value: (t) => t.points.toFixed(2), class: 'num' },
      ],
      e.terms,
    ),
    e.vetoes.length ? h('p', `否决项：${e.vetoes.map((v) => `${v.when}（封顶 ${v.cap}）`).join('；')}`) : null,
  );
  await modal(`得分构成：${e.accountName}（${e.unitName}）`, body, { submitText: '关闭' });
}
