// ECharts (loaded from /console/vendor/echarts.min.js as a global) with the console's look.
import { LEVELS, platform } from './labels.js';
import { coverageColour } from './ui.js';

const charts = new Set();
const FONT = '"PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif';

function chartIn(el) {
  const chart = window.echarts.init(el, null, { renderer: 'canvas' });
  charts.add(chart);
  return chart;
}

export function disposeCharts() {
  for (const chart of charts) chart.dispose();
  charts.clear();
}

window.addEventListener('resize', () => charts.forEach((c) => c.resize()));

const pct = (v) => `${Math.round(v * 1000) / 10}%`;
const base = { textStyle: { fontFamily: FONT }, animationDuration: 300 };

export function platformCoverageChart(el, stats) {
  const rows = stats.platforms.filter((p) => p.covered > 0).sort((a, b) => b.coverage - a.coverage);
  chartIn(el).setOption({
    ...base,
    grid: { left: 90, right: 40, top: 10, bottom: 20 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: pct },
    xAxis: { type: 'value', max: 1, axisLabel: { formatter: pct } },
    yAxis: { type: 'category', inverse: true, data: rows.map((p) => platform(p.platform)) },
    series: [
      {
        type: 'bar',
        name: '覆盖率',
        data: rows.map((p) => ({ value: p.coverage, itemStyle: { color: coverageColour(p.coverage) } })),
        label: { show: true, position: 'right', formatter: (p) => pct(p.value) },
      },
    ],
  });
}

export function levelCoverageChart(el, byLevel) {
  const order = Object.keys(LEVELS);
  const rows = [...byLevel].sort((a, b) => order.indexOf(a.level) - order.indexOf(b.level));
  chartIn(el).setOption({
    ...base,
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 40, bottom: 30 },
    tooltip: { trigger: 'axis', valueFormatter: pct },
    xAxis: { type: 'category', data: rows.map((r) => `${LEVELS[r.level]}（${r.units}）`), axisLabel: { interval: 0 } },
    yAxis: { type: 'value', max: 1, axisLabel: { formatter: pct } },
    series: [
      { type: 'bar', name: '账号覆盖率', data: rows.map((r) => r.coverage), itemStyle: { color: '#2563eb' } },
      { type: 'bar', name: '两微一端', data: rows.map((r) => r.twoMicroOneEndCoverage), itemStyle: { color: '#f59e0b' } },
    ],
  });
}

const shortName = (name) => (name.length > 9 ? `${name.slice(0, 8)}…` : name);

/** values[i][j]: interactions by units[i] on units[j]; rows are the acting units. */
export function heatMapChart(el, matrix) {
  if (matrix.units.length === 0) {
    el.classList.remove('tall');
    el.textContent = '统计期内该范围没有单位间互动。';
    return;
  }
  const names = matrix.units.map((u) => u.name);
  const data = [];
  let max = 1;
  matrix.values.forEach((row, i) =>
    row.forEach((value, j) => {
      if (value > 0) data.push([j, i, value]);
      max = Math.max(max, value);
    }),
  );
  chartIn(el).setOption({
    ...base,
    grid: { left: 130, right: 30, top: 10, bottom: 110 },
    tooltip: {
      formatter: (p) => `${names[p.value[1]]} → ${names[p.value[0]]}<br/>转发、评论 ${p.value[2].toLocaleString('zh-CN')} 次`,
    },
    xAxis: { type: 'category', data: names, axisLabel: { rotate: 50, formatter: shortName, interval: 0 }, splitArea: { show: true } },
    yAxis: { type: 'category', data: names, inverse: true, axisLabel: { formatter: shortName, interval: 0 }, splitArea: { show: true } },
    visualMap: {
      min: 0,
      max,
      calculable: true,
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
      itemHeight: 200,
      inRange: { color: ['#eff6ff', '#93c5fd', '#2563eb', '#1e3a8a'] },
    },
    series: [{ type: 'heatmap', data, emphasis: { itemStyle: { borderColor: '#111', borderWidth: 1 } } }],
  });
}

export function trendChart(el, months) {
  chartIn(el).setOption({
    ...base,
    legend: { top: 0 },
    grid: { left: 60, right: 60, top: 40, bottom: 30 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: months.map((m) => m.month) },
    yAxis: [
      { type: 'value', name: '次数' },
      { type: 'value', name: '账号', splitLine: { show: false } },
    ],
    series: [
      { type: 'line', name: '发文量', smooth: true, data: months.map((m) => m.posts) },
      { type: 'line', name: '互动（转发、评论政务号）', smooth: true, data: months.map((m) => m.interactions) },
      { type: 'line', name: '其中上行互动', smooth: true, data: months.map((m) => m.upperInteractions), lineStyle: { type: 'dashed' } },
      {
        type: 'bar',
        name: '活跃账号',
        yAxisIndex: 1,
        data: months.map((m) => m.activeAccounts),
        itemStyle: { color: 'rgba(22,163,74,0.35)' },
      },
    ],
  });
}
