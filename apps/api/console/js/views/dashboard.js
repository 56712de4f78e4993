// The matrix dashboard of a subtree: the unit tree coloured by coverage on the left; coverage,
// the interaction heat map, rankings and trends on the right.
import { get } from '../api.js';
import { disposeCharts, heatMapChart, levelCoverageChart, platformCoverageChart, trendChart } from '../charts.js';
import { level, sector } from '../labels.js';
import { clear, coverageColour, field, fmt, h, loading, showError, table } from '../ui.js';
import { renderRankings } from './rankings.js';
import { unitTree } from './unit-tree.js';

const today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
const monthsBefore = (day, months) => {
  const d = new Date(`${day}T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - months, 1)).toISOString().slice(0, 10);
};

export async function renderDashboard(root, ctx, { query }) {
  disposeCharts();
  const to = query.to || today();
  const from = query.from || monthsBefore(to, 11);
  const under = query.under || undefined;
  const go = (changes) => ctx.navigate('dashboard', { under, from: query.from, to: query.to, ...changes });

  const treeBox = h('aside.tree-panel', { 'aria-label': '单位树' }, loading());
  const body = h('section.dashboard-body', loading());
  clear(root, h('div.dashboard', treeBox, body));

  unitTree(treeBox, { selected: under, onSelect: (unit) => go({ under: unit.id }) }).catch((error) => showError(error, treeBox));

  const period = { under, from, to };
  const [coverage, interaction, trends] = await Promise.all([
    get('/v1/matrix/coverage', { under }),
    get('/v1/matrix/interaction', { ...period, limit: 15 }),
    get('/v1/matrix/trends', period),
  ]);

  const periodForm = h(
    'form.period',
    {
      onsubmit: (event) => {
        event.preventDefault();
        const data = new FormData(event.target);
        go({ from: data.get('from'), to: data.get('to') });
      },
    },
    field('起', h('input', { type: 'date', name: 'from', value: from, required: true })),
    field('止', h('input', { type: 'date', name: 'to', value: to, required: true })),
    h('button', { type: 'submit' }, '应用'),
  );

  const heatBox = h('div.chart.tall', { id: 'heatmap' });
  const rankingBox = h('div', loading());
  const trendBox = h('div.chart', { id: 'trend-chart' });
  const platformBox = h('div.chart', { id: 'platform-chart' });
  const levelBox = h('div.chart', { id: 'level-chart' });

  clear(
    body,
    h(
      'div.dashboard-head',
      h(
        'div',
        h('h2', { id: 'dashboard-title' }, coverage.unitName, ' · 矩阵看板'),
        h('p.muted', `统计期 ${from} 至 ${to}；覆盖率为当前在运营账号。`),
      ),
      periodForm,
    ),
    kpis(coverage, interaction, trends),
    h('div.grid-2', h('section.card', h('h3', '分平台覆盖率'), platformBox), h('section.card', h('h3', '分层级覆盖率'), levelBox)),
    h('section.card', h('h3', '行业系统覆盖（按系统上级单位归集）'), systemsTable(coverage, go)),
    h(
      'section.card',
      h('h3', '单位间互动热力图'),
      h('p.muted', '行为转发、评论的单位，列为被转发、评论的单位；取统计期内互动最多的单位。'),
      heatBox,
    ),
    h('div.grid-2', h('section.card', h('h3', '上下联动排名'), interactionTable(interaction, go)), h('section.card', rankingBox)),
    h('section.card', h('h3', '月度趋势'), trendBox),
  );

  platformCoverageChart(platformBox, coverage.overall);
  levelCoverageChart(levelBox, coverage.byLevel);
  trendChart(trendBox, trends.items);
  get('/v1/matrix/interaction/matrix', { ...period, top: 20 })
    .then((matrix) => heatMapChart(heatBox, matrix))
    .catch((error) => showError(error, heatBox));
  renderRankings(rankingBox, ctx, period).catch((error) => showError(error, rankingBox));
}

function kpis(coverage, interaction, trends) {
  const last = trends.items[trends.items.length - 1];
  const posts = trends.items.reduce((sum, m) => sum + m.posts, 0);
  const card = (label, value, note, colour) =>
    h(
      'div.kpi',
      h('div.kpi-label', label),
      h('div.kpi-value', { style: colour ? { color: colour } : null }, value),
      h('div.kpi-note', note),
    );
  const o = coverage.overall;
  return h(
    'div.kpis',
    { id: 'kpis' },
    card('账号覆盖率', fmt.pct(o.coverage), `${fmt.int(o.covered)} / ${fmt.int(o.units)} 个单位有在运营账号`, coverageColour(o.coverage)),
    card('“两微一端”覆盖率', fmt.pct(o.twoMicroOneEndCoverage), `${fmt.int(o.twoMicroOneEnd)} 个单位同时开设微博、微信、客户端`),
    card(
      '上行互动',
      fmt.int(interaction.upper.total),
      `转发 ${fmt.int(interaction.upper.reposts)}，评论 ${fmt.int(interaction.upper.comments)}`,
    ),
    card(
      '下行联动',
      fmt.int(interaction.lower.total),
      `${fmt.int(interaction.unitsWithUpper)} / ${fmt.int(interaction.units)} 个单位参与上行互动`,
    ),
    card('发文量', fmt.int(posts), last ? `${last.month} 活跃账号 ${fmt.int(last.activeAccounts)} 个` : ''),
  );
}

function systemsTable(coverage, go) {
  const rows = coverage.bySystem.slice(0, 12);
  return table(
    [
      {
        title: '系统',
        value: (r) => h('a', { href: '#', onclick: (e) => (e.preventDefault(), go({ under: r.rootUnitId })) }, r.rootUnitName),
      },
      { title: '行业', value: (r) => sector(r.sector) },
      { title: '单位数', value: (r) => fmt.int(r.units), class: 'num' },
      { title: '覆盖率', value: (r) => coverageBar(r.coverage), class: 'bar-cell' },
      { title: '两微一端', value: (r) => fmt.pct(r.twoMicroOneEndCoverage), class: 'num' },
      { title: '微博', value: (r) => fmt.pct(r.platforms.find((p) => p.platform === 'weibo').coverage), class: 'num' },
      { title: '微信', value: (r) => fmt.pct(r.platforms.find((p) => p.platform === 'wechat').coverage), class: 'num' },
      { title: '抖音', value: (r) => fmt.pct(r.platforms.find((p) => p.platform === 'douyin').coverage), class: 'num' },
    ],
    rows,
    { empty: '该范围内没有跨层级的行业系统' },
  );
}

export function coverageBar(share) {
  return h(
    'div.coverage-bar',
    { title: fmt.pct(share) },
    h('span', { style: { width: `${Math.round(share * 100)}%`, background: coverageColour(share) } }),
    h('em', fmt.pct(share)),
  );
}

function interactionTable(interaction, go) {
  return table(
    [
      { title: '#', value: () => '', class: 'rank' },
      { title: '单位', value: (r) => h('a', { href: '#', onclick: (e) => (e.preventDefault(), go({ under: r.unitId })) }, r.unitName) },
      { title: '层级', value: (r) => level(r.level) },
      { title: '上行互动', value: (r) => fmt.int(r.upper.total), class: 'num' },
      { title: '下行联动', value: (r) => fmt.int(r.lower.total), class: 'num' },
      { title: '账号', value: (r) => fmt.int(r.accounts), class: 'num' },
    ],
    interaction.items,
    { empty: '统计期内没有上下级互动' },
  );
}
