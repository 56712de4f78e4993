// Inspection findings (检查问题), their detail, and opening a case (处置) on them.
import { get, post } from '../api.js';
import { FINDING_KINDS, FINDING_STATUSES, MEASURES, findingKind, findingStatus } from '../labels.js';
import { badge, clear, field, fmt, h, loading, modal, select, table, toast } from '../ui.js';

export async function renderFindings(root, ctx, { rest, query }) {
  if (rest) return renderFinding(root, ctx, rest);
  const status = query.status ?? 'open';
  const kind = query.kind ?? '';
  const form = h(
    'form.filters',
    {
      onsubmit: (event) => {
        event.preventDefault();
        const data = Object.fromEntries(new FormData(event.target));
        ctx.navigate('findings', Object.fromEntries(Object.entries(data).filter(([, v]) => v !== '')));
      },
    },
    field('状态', select('status', [['', '全部'], ...Object.entries(FINDING_STATUSES)], status)),
    field('问题类型', select('kind', [['', '全部类型'], ...Object.entries(FINDING_KINDS)], kind)),
    h('div.filter-actions', h('button.primary', { type: 'submit' }, '查询')),
  );
  const list = h('div', loading());
  const more = h('div.more');
  clear(root, h('div.page-head', h('h2', '检查问题')), h('section.card', form), h('section.card', list, more));

  const rows = [];
  const load = async (cursor) => {
    const page = await get('/v1/findings', { status: status || undefined, kind: kind || undefined, limit: 50, cursor });
    rows.push(...page.items);
    clear(
      list,
      table(
        [
          { title: '账号', value: (f) => h('strong', f.accountName) },
          { title: '开设单位', value: (f) => f.unitName },
          { title: '问题', value: (f) => badge(findingKind(f.kind), f.status === 'open' ? 'bad' : 'muted') },
          { title: '说明', value: (f) => f.detail },
          { title: '来源', value: (f) => (f.source === 'auditor' ? '人工检查' : '日常巡检') },
          { title: '发现时间', value: (f) => fmt.datetime(f.openedAt) },
          { title: '状态', value: (f) => findingStatus(f.status) },
        ],
        rows,
        { empty: '没有符合条件的问题', onRow: (f) => ctx.navigate('findings', {}, f.id) },
      ),
    );
    clear(more, page.nextCursor ? h('button', { type: 'button', onclick: () => load(page.nextCursor) }, '加载更多') : null);
  };
  await load();
}

async function renderFinding(root, ctx, id) {
  const finding = await get(`/v1/findings/${id}`);
  const canOpenCase = ctx.can('cases.write') && ctx.offers('/v1/cases') && finding.status === 'open';
  const evidence = Object.entries(finding.evidence ?? {});
  clear(
    root,
    h('div.page-head', h('h2', { id: 'finding-title' }, '问题详情'), h('a', { href: '#/findings' }, '← 返回问题列表')),
    h(
      'section.card.finding-detail',
      h(
        'dl.details.wide',
        h('dt', '账号'),
        h('dd', h('strong', finding.accountName)),
        h('dt', '开设单位'),
        h('dd', finding.unitName),
        h('dt', '问题类型'),
        h('dd', badge(findingKind(finding.kind), finding.status === 'open' ? 'bad' : 'muted')),
        h('dt', '说明'),
        h('dd', finding.detail),
        h('dt', '来源'),
        h('dd', finding.source === 'auditor' ? '人工检查' : '日常巡检'),
        h('dt', '最近核查日'),
        h('dd', fmt.date(finding.checkedOn)),
        h('dt', '发现时间'),
        h('dd', fmt.datetime(finding.openedAt)),
        h('dt', '状态'),
        h('dd', findingStatus(finding.status), finding.closedAt ? `（${fmt.datetime(finding.closedAt)} 关闭）` : ''),
        evidence.length ? [h('dt', '证据'), h('dd', h('pre.evidence', JSON.stringify(finding.evidence, null, 2)))] : null,
      ),
      canOpenCase
        ? h('div.actions', h('button.primary', { type: 'button', id: 'open-case', onclick: () => openCase(ctx, finding) }, '立案处置'))
        : finding.status === 'open' && !ctx.offers('/v1/cases')
          ? h('p.muted', '处置模块尚未启用，暂不能在此立案。')
          : null,
    ),
  );
}

async function openCase(ctx, finding) {
  const siblings = (await get('/v1/findings', { accountId: finding.accountId, status: 'open', limit: 50 })).items;
  const checks = siblings.map((f) =>
    h(
      'label.check',
      h('input', { type: 'checkbox', name: 'findingIds', value: f.id, checked: f.id === finding.id }),
      `${findingKind(f.kind)}：${f.detail}`,
    ),
  );
  const measure = select('measure', Object.entries(MEASURES), 'talk');
  const decision = h('textarea', {
    name: 'decision',
    rows: 4,
    required: true,
    value: `经检查，${finding.accountName}存在“${findingKind(finding.kind)}”问题：${finding.detail}。请于期限内完成整改并报送整改情况。`,
  });
  const deadline = h('input', { type: 'number', name: 'deadlineDays', min: 1, max: 60, placeholder: '默认按租户设置' });
  const body = h(
    'div.case-form',
    h('fieldset', h('legend', '处置的问题'), checks),
    field('处置措施', measure),
    field('处置决定', decision),
    field('整改期限（工作日）', deadline),
  );
  const created = await modal(`立案处置：${finding.accountName}`, body, {
    submitText: '立案',
    onSubmit: () => {
      const findingIds = [...body.querySelectorAll('input[name=findingIds]:checked')].map((c) => c.value);
      if (findingIds.length === 0) throw new Error('请至少选择一个问题');
      return post('/v1/cases', {
        accountId: finding.accountId,
        findingIds,
        measure: measure.value,
        decision: decision.value.trim(),
        ...(deadline.value ? { deadlineDays: Number(deadline.value) } : {}),
      });
    },
  });
  if (created) {
    toast('已立案');
    ctx.navigate('cases', {}, created.id);
  }
}
