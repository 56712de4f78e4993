// Filings (备案) waiting for review: accept, or return with reasons.
import { get, post } from '../api.js';
import { FILING_STATUSES, filingKind, filingStatus } from '../labels.js';
import { badge, clear, fmt, h, loading, modal, table, toast } from '../ui.js';

const DETAIL_NAMES = {
  decisionDate: '决策日期',
  approver: '批准人',
  decisionReference: '决策文件',
  summary: '变更内容',
  effectiveOn: '生效日期',
  announcedOn: '公告日期',
  announcementUrl: '公告链接',
  deregisteredOn: '注销日期',
};

export async function renderFilings(root, ctx, { query }) {
  const status = query.status ?? 'submitted';
  const tabs = h(
    'div.tabs',
    { role: 'tablist' },
    Object.entries(FILING_STATUSES).map(([value, text]) =>
      h(
        'button',
        {
          type: 'button',
          role: 'tab',
          class: value === status ? 'active' : null,
          onclick: () => ctx.navigate('filings', { status: value }),
        },
        text,
      ),
    ),
  );
  const list = h('div', loading());
  clear(root, h('div.page-head', h('h2', '备案审核')), h('section.card', tabs, list));

  const items = [];
  let cursor;
  do {
    const page = await get('/v1/filings', { status, limit: 200, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < 1000);

  const canReview = ctx.can('filings.review') && status === 'submitted';
  const details = (f) =>
    h(
      'dl.details',
      Object.entries(f.details ?? {}).map(([k, v]) => [h('dt', DETAIL_NAMES[k] ?? k), h('dd', String(v))]),
    );
  clear(
    list,
    h('p.muted', status === 'submitted' ? `共 ${items.length} 件待审核，按提交时间先后排列。` : `共 ${items.length} 件。`),
    table(
      [
        { title: '账号', value: (f) => h('strong', f.accountName) },
        { title: '类型', value: (f) => filingKind(f.kind) },
        { title: '备案内容', value: details },
        { title: '提交时间', value: (f) => fmt.datetime(f.submittedAt) },
        {
          title: '状态',
          value: (f) => badge(filingStatus(f.status), f.status === 'returned' ? 'bad' : f.status === 'accepted' ? 'ok' : 'warn'),
        },
        status === 'returned' ? { title: '退回理由', value: (f) => (f.returnReasons ?? []).join('；') } : null,
        canReview
          ? {
              title: '审核',
              value: (f) =>
                h(
                  'div.actions',
                  h(
                    'button.primary',
                    { type: 'button', dataset: { action: 'accept', filing: f.id }, onclick: () => accept(ctx, f) },
                    '通过',
                  ),
                  h(
                    'button.danger',
                    { type: 'button', dataset: { action: 'return', filing: f.id }, onclick: () => returnFiling(ctx, f) },
                    '退回',
                  ),
                ),
            }
          : null,
      ].filter(Boolean),
      items,
      { empty: status === 'submitted' ? '没有待审核的备案' : '暂无记录' },
    ),
  );
}

async function accept(ctx, filing) {
  const note = h('textarea', { name: 'note', rows: 3, placeholder: '审核意见（可选）' });
  const done = await modal(`通过备案：${filing.accountName}（${filingKind(filing.kind)}）`, h('div', note), {
    submitText: '确认通过',
    onSubmit: () => post(`/v1/filings/${filing.id}/accept`, note.value.trim() ? { note: note.value.trim() } : {}),
  });
  if (done) {
    toast(`已通过：${filing.accountName}`);
    ctx.navigate('filings', { status: 'submitted' });
  }
}

async function returnFiling(ctx, filing) {
  const reasons = h('textarea', { name: 'reasons', rows: 4, required: true, placeholder: '每行一条退回理由' });
  const done = await modal(`退回备案：${filing.accountName}`, h('div', reasons), {
    submitText: '退回',
    onSubmit: () => {
      const list = reasons.value
        .split('\n')
        .map((r) => r.trim())
        .filter(Boolean);
      if (list.length === 0) throw new Error('请填写至少一条退回理由');
      return post(`/v1/filings/${filing.id}/return`, { reasons: list });
    },
  });
  if (done) {
    toast(`已退回：${filing.accountName}`);
    ctx.navigate('filings', { status: 'submitted' });
  }
}
