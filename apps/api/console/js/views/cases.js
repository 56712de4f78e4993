// Cases (处置案件) with their deadlines, steps and the unit's rectification.
import { get, post } from '../api.js';
import { CASE_STATUSES, caseStatus, findingKind, measure, personRole } from '../labels.js';
import { badge, clear, field, fmt, h, loading, modal, select, table, toast } from '../ui.js';

const STEP_NAMES = {
  opened: '立案',
  rectification_submitted: '报送整改',
  accepted: '整改通过',
  returned: '整改退回',
  escalated: '升级处置',
};

export async function renderCases(root, ctx, { rest, query }) {
  if (rest) return renderCase(root, ctx, rest);
  const status = query.status ?? '';
  const form = h(
    'form.filters',
    {
      onsubmit: (event) => {
        event.preventDefault();
        const data = Object.fromEntries(new FormData(event.target));
        ctx.navigate('cases', Object.fromEntries(Object.entries(data).filter(([, v]) => v !== '')));
      },
    },
    field('状态', select('status', [['', '全部'], ...Object.entries(CASE_STATUSES)], status)),
    field(
      '期限',
      select(
        'overdue',
        [
          ['', '不限'],
          ['true', '已逾期'],
          ['false', '未逾期'],
        ],
        query.overdue ?? '',
      ),
    ),
    h('div.filter-actions', h('button.primary', { type: 'submit' }, '查询')),
  );
  const list = h('div', loading());
  clear(root, h('div.page-head', h('h2', '处置案件')), h('section.card', form), h('section.card', list));
  const page = await get('/v1/cases', { status: status || undefined, overdue: query.overdue, limit: 100 });
  clear(
    list,
    table(
      [
        { title: '账号', value: (c) => h('strong', c.accountName) },
        { title: '开设单位', value: (c) => c.unitName },
        { title: '措施', value: (c) => measure(c.measure) },
        { title: '状态', value: (c) => badge(caseStatus(c.status), c.status === 'resolved' ? 'ok' : 'warn') },
        { title: '决定日期', value: (c) => fmt.date(c.decidedOn) },
        {
          title: '整改期限',
          value: (c) => h('span', { class: c.overdue ? 'overdue' : null }, fmt.date(c.dueOn), c.overdue ? '（已逾期）' : ''),
        },
      ],
      page.items,
      { empty: '暂无案件', onRow: (c) => ctx.navigate('cases', {}, c.id), rowClass: (c) => (c.overdue ? 'row-overdue' : '') },
    ),
  );
}

async function renderCase(root, ctx, id) {
  const c = await get(`/v1/cases/${id}`);
  const persons = c.personsOfRecord;
  const people = [persons.firstResponsible, persons.mainResponsible, persons.chiefEditor, ...(persons.operators ?? [])].filter(Boolean);
  const canDecide = ctx.can('cases.write') && c.status === 'rectification_submitted';
  clear(
    root,
    h('div.page-head', h('h2', { id: 'case-title' }, `处置案件：${c.accountName}`), h('a', { href: '#/cases' }, '← 返回案件列表')),
    h(
      'section.card',
      h(
        'dl.details.wide',
        h('dt', '开设单位'),
        h('dd', c.unitName),
        h('dt', '处置措施'),
        h('dd', measure(c.measure), c.initialMeasure !== c.measure ? `（由“${measure(c.initialMeasure)}”升级）` : ''),
        h('dt', '状态'),
        h('dd', badge(caseStatus(c.status), c.status === 'resolved' ? 'ok' : 'warn')),
        h('dt', '处置决定'),
        h('dd', c.decision),
        h('dt', '决定日期'),
        h('dd', fmt.date(c.decidedOn)),
        h('dt', '整改期限'),
        h(
          'dd',
          { class: c.overdue ? 'overdue' : null },
          fmt.date(c.dueOn),
          c.dueProvisional ? '（暂按周末推算）' : '',
          c.overdue ? '（已逾期）' : '',
        ),
      ),
      canDecide
        ? h(
            'div.actions',
            h('button.primary', { type: 'button', onclick: () => decide(ctx, c, 'accept') }, '整改通过'),
            h('button.danger', { type: 'button', onclick: () => decide(ctx, c, 'return') }, '退回整改'),
          )
        : null,
    ),
    h(
      'div.grid-2',
      h(
        'section.card',
        h('h3', '涉及问题'),
        table(
          [
            { title: '问题', value: (f) => findingKind(f.kind) },
            { title: '说明', value: (f) => f.detail },
          ],
          c.findings,
        ),
      ),
      h(
        'section.card',
        h('h3', '责任人（立案时）'),
        table(
          [
            { title: '职责', value: (p) => personRole(p.role) },
            { title: '姓名', value: (p) => p.name },
            { title: '职务', value: (p) => p.position ?? '—' },
            { title: '电话', value: (p) => p.phone ?? '—' },
          ],
          people,
        ),
      ),
    ),
    h(
      'section.card',
      h('h3', '办理过程'),
      h(
        'ol.timeline',
        c.steps.map((s) =>
          h(
            'li',
            h('strong', STEP_NAMES[s.kind] ?? s.kind),
            ` ${fmt.datetime(s.occurredAt)} · ${measure(s.measure)} · 期限 ${fmt.date(s.dueOn)}`,
            s.note ? h('div', s.note) : null,
            s.reasons ? h('div', `理由：${s.reasons.join('；')}`) : null,
            s.rectification ? h('div', `整改：${s.rectification.text}`) : null,
          ),
        ),
      ),
    ),
  );
}

async function decide(ctx, c, action) {
  const text = h('textarea', {
    rows: 3,
    required: action === 'return',
    placeholder: action === 'return' ? '每行一条退回理由' : '意见（可选）',
  });
  const done = await modal(action === 'accept' ? '整改通过' : '退回整改', h('div', text), {
    onSubmit: () =>
      action === 'accept'
        ? post(`/v1/cases/${c.id}/accept`, text.value.trim() ? { note: text.value.trim() } : {})
        : post(`/v1/cases/${c.id}/return`, {
            reasons: text.value
              .split('\n')
              .map((r) => r.trim())
              .filter(Boolean),
          }),
  });
  if (done) {
    toast('已处理');
    ctx.navigate('cases', {}, c.id);
  }
}
