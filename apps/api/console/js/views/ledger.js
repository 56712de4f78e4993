// The unified ledger (统一台账): filters, keyset pages, CSV / XLSX export of the same selection.
import { download, get } from '../api.js';
import { ACCOUNT_STATUSES, accountStatus, LEVELS, level, PLATFORMS, platform, SECTORS, findingKind } from '../labels.js';
import { badge, clear, field, fmt, h, loading, select, showError, table, toast } from '../ui.js';

const STATUS_KIND = { active: 'ok', rectifying: 'warn', pending_filing: 'warn', closing: 'muted', closed: 'muted', force_closed: 'bad' };

export async function renderLedger(root, ctx, { query }) {
  const filters = { ...query };
  const options = (names, all) => [['', all], ...Object.entries(names)];
  const form = h(
    'form.filters',
    {
      id: 'ledger-filters',
      onsubmit: (event) => {
        event.preventDefault();
        const data = Object.fromEntries(new FormData(form));
        ctx.navigate('ledger', Object.fromEntries(Object.entries(data).filter(([, v]) => v !== '')));
      },
    },
    field('关键词', h('input', { name: 'q', value: filters.q ?? '', placeholder: '账号名称或平台ID' })),
    field('平台', select('platform', options(PLATFORMS, '全部平台'), filters.platform ?? '')),
    field('状态', select('status', options(ACCOUNT_STATUSES, '全部状态'), filters.status ?? '')),
    field('层级', select('level', options(LEVELS, '全部层级'), filters.level ?? '')),
    field('行业', select('sector', options(SECTORS, '全部行业'), filters.sector ?? '')),
    field(
      '备案',
      select(
        'overdue',
        [
          ['', '不限'],
          ['true', '逾期未备案'],
          ['false', '未逾期'],
        ],
        filters.overdue ?? '',
      ),
    ),
    filters.under ? h('input', { type: 'hidden', name: 'under', value: filters.under }) : null,
    h(
      'div.filter-actions',
      h('button.primary', { type: 'submit' }, '查询'),
      h('button', { type: 'button', onclick: () => ctx.navigate('ledger') }, '重置'),
    ),
  );

  const exportButtons = ctx.can('accounts.export')
    ? h(
        'div.exports',
        ['csv', 'xlsx'].map((format) =>
          h(
            'button',
            {
              type: 'button',
              id: `export-${format}`,
              onclick: async (event) => {
                event.target.disabled = true;
                try {
                  const name = await download('/v1/accounts/export', { ...filters, format }, `台账.${format}`);
                  toast(`已导出 ${name}`);
                } catch (error) {
                  showError(error);
                } finally {
                  event.target.disabled = false;
                }
              },
            },
            `导出 ${format.toUpperCase()}`,
          ),
        ),
      )
    : null;

  const results = h('div', loading());
  const more = h('div.more');
  clear(root, h('div.page-head', h('h2', '统一台账'), exportButtons), h('section.card', form), h('section.card', results, more));

  const rows = [];
  const render = () =>
    clear(
      results,
      h('p.muted', `已加载 ${rows.length} 个账号`),
      table(
        [
          { title: '账号名称', value: (a) => h('div', h('strong', a.name), a.url ? h('div.muted.small', a.url) : null) },
          { title: '平台', value: (a) => platform(a.platform) },
          {
            title: '开设单位',
            value: (a) => h('div', a.unitName, h('div.muted.small', `${level(a.unitLevel)} · ${SECTORS[a.unitSector] ?? a.unitSector}`)),
          },
          { title: '状态', value: (a) => badge(accountStatus(a.status), STATUS_KIND[a.status]) },
          { title: '开设日期', value: (a) => fmt.date(a.openedOn) },
          { title: '认证', value: (a) => (a.verified ? '已认证' : '未认证') },
          { title: '运营', value: (a) => (a.operatingMode === 'outsourced' ? `外包：${a.vendor ?? ''}` : '自营') },
          {
            title: '总编辑',
            value: (a) => (a.people?.chiefEditor ? `${a.people.chiefEditor.name} ${a.people.chiefEditor.phone ?? ''}` : '—'),
          },
          { title: '问题', value: (a) => a.openFindingKinds.map((k) => badge(findingKind(k), 'bad')) },
        ],
        rows,
        { empty: '没有符合条件的账号' },
      ),
    );

  const load = async (cursor) => {
    const page = await get('/v1/accounts', { ...filters, limit: 50, cursor });
    rows.push(...page.items);
    render();
    clear(
      more,
      page.nextCursor ? h('button', { type: 'button', onclick: () => load(page.nextCursor).catch((e) => showError(e)) }, '加载更多') : null,
    );
  };
  await load();
}
