// The console's shell: session, navigation by hash (#/dashboard, #/ledger …), one view at a time.
import { apiPaths, currentSession, get, logout, whenSignedOut } from './api.js';
import { role as roleName } from './labels.js';
import { clear, h, showError } from './ui.js';
import { renderCases } from './views/cases.js';
import { renderDashboard } from './views/dashboard.js';
import { renderFilings } from './views/filings.js';
import { renderFindings } from './views/findings.js';
import { renderLedger } from './views/ledger.js';
import { renderLogin } from './views/login.js';

const app = document.getElementById('app');

/** The pages, each shown when the caller holds its permission (and the server offers the module). */
const PAGES = [
  { route: 'dashboard', title: '矩阵看板', permission: 'matrix.read', render: renderDashboard },
  { route: 'ledger', title: '统一台账', permission: 'accounts.read', render: renderLedger },
  { route: 'filings', title: '备案审核', permission: 'accounts.read', render: renderFilings },
  { route: 'findings', title: '检查问题', permission: 'findings.read', render: renderFindings },
  { route: 'cases', title: '处置案件', permission: 'cases.read', needs: '/v1/cases', render: renderCases },
];

/** What every view gets: who is signed in, what they may do, what the server offers. */
let context = null;

async function loadContext() {
  const [me, paths] = await Promise.all([get('/v1/auth/me'), apiPaths()]);
  const permissions = new Set(me.permissions);
  const unit = me.unitId && permissions.has('units.read') ? await get(`/v1/units/${me.unitId}`).catch(() => null) : null;
  return {
    me,
    unit,
    paths,
    session: currentSession(),
    can: (permission) => permissions.has(permission),
    offers: (path) => path in paths,
    navigate,
  };
}

function pagesFor(ctx) {
  return PAGES.filter((p) => ctx.can(p.permission) && (!p.needs || ctx.offers(p.needs)));
}

/** #/route/rest?query → { route, rest, query } */
function parseHash() {
  const [path, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [route, ...rest] = path.split('/');
  return { route, rest: rest.join('/'), query: Object.fromEntries(new URLSearchParams(search)) };
}

export function navigate(route, query = {}, rest = '') {
  const search = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  const hash = `#/${route}${rest ? `/${rest}` : ''}${search.size ? `?${search}` : ''}`;
  if (location.hash === hash) render();
  else location.hash = hash;
}

let renderSeq = 0;
async function render() {
  const seq = ++renderSeq;
  if (!currentSession()) {
    context = null;
    return renderLogin(app, async () => {
      context = null;
      await render();
    });
  }
  try {
    context ??= await loadContext();
  } catch (error) {
    if (!currentSession()) return render();
    return showError(error, app);
  }
  const pages = pagesFor(context);
  const { route, rest, query } = parseHash();
  const page = pages.find((p) => p.route === route) ?? pages[0];
  if (!page) return clear(app, shell(context, [], null, h('div.empty-page', '当前账号没有可用的控制台功能。')));
  if (page.route !== route) return navigate(page.route);

  const main = h('main.content', { id: 'content' });
  clear(app, shell(context, pages, page, main));
  try {
    await page.render(main, context, { rest, query });
  } catch (error) {
    if (seq === renderSeq) showError(error, main);
  }
}

function shell(ctx, pages, current, main) {
  const who = `${ctx.session.username}（${roleName(ctx.me.role)}）`;
  return h(
    'div.layout',
    h(
      'header.topbar',
      h('div.brand', h('strong', 'GovMatrix'), h('span', '政务新媒体矩阵管理平台')),
      h('div.whoami', h('span.tenant', ctx.session.tenant), ctx.unit ? h('span.unit', ctx.unit.name) : null, h('span', who)),
      h(
        'button.link',
        {
          id: 'logout',
          onclick: async () => {
            await logout();
            context = null;
            location.hash = '';
            render();
          },
        },
        '退出',
      ),
    ),
    h(
      'nav.sidebar',
      { 'aria-label': '导航' },
      pages.map((p) => h('a', { href: `#/${p.route}`, class: p === current ? 'active' : null, dataset: { route: p.route } }, p.title)),
    ),
    main,
  );
}

whenSignedOut(() => {
  context = null;
  render();
});
window.addEventListener('hashchange', render);
render();
