// The unit tree, each unit coloured by the coverage of its subtree; children load when opened.
import { get } from '../api.js';
import { level as levelName } from '../labels.js';
import { clear, coverageColour, fmt, h } from '../ui.js';

const LEVEL_ORDER = { province: 0, city: 1, county: 2, bureau: 3 };
const byKind = (a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] || a.name.localeCompare(b.name, 'zh-CN');

/** Children of a unit (with their own coverage), sorted: regions first, then bureaus, by name. */
async function childrenOf(unitId) {
  const items = [];
  let cursor;
  do {
    const page = await get('/v1/matrix/coverage/units', { under: unitId, depth: 1, limit: 500, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return { self: items.find((u) => u.depth === 0), children: items.filter((u) => u.depth === 1).sort(byKind) };
}

export async function unitTree(root, { selected, onSelect }) {
  const filter = h('input.tree-filter', { type: 'search', placeholder: '筛选已展开的单位…', 'aria-label': '筛选单位' });
  const list = h('ul.tree', { role: 'tree' });
  clear(root, h('div.tree-head', h('h3', '单位树'), legend()), filter, list);
  filter.addEventListener('input', () => {
    const q = filter.value.trim();
    for (const li of list.querySelectorAll('li')) {
      const own = li.querySelector(':scope > .node .name').textContent;
      li.classList.toggle('filtered-out', q !== '' && !own.includes(q) && !li.querySelector(`.name[title*="${CSS.escape(q)}"]`));
    }
  });

  const { self, children } = await childrenOf(undefined);
  const rootItem = node(self, { selected, onSelect, depth: 0 });
  list.append(rootItem.li);
  rootItem.show(children);
}

function node(unit, options) {
  const kids = h('ul', { role: 'group' });
  let loaded = false;
  let open = false;
  const caret = h(
    'button.caret',
    {
      type: 'button',
      'aria-label': '展开',
      disabled: unit.children === 0,
      onclick: async () => {
        open = !open;
        li.setAttribute('aria-expanded', String(open));
        if (open && !loaded) {
          loaded = true;
          kids.append(h('li.loading', '加载中…'));
          const { children } = await childrenOf(unit.id);
          show(children);
        }
      },
    },
    unit.children === 0 ? '·' : '',
  );
  const label = h(
    'button.node',
    {
      type: 'button',
      class: unit.id === options.selected ? 'selected' : null,
      title: `${unit.name}｜${levelName(unit.level)}｜覆盖 ${unit.covered}/${unit.units}`,
      onclick: () => options.onSelect(unit),
    },
    h('span.dot', { style: { background: coverageColour(unit.coverage) } }),
    h('span.name', { title: unit.name }, unit.name),
    h('span.share', fmt.pct(unit.coverage, 0)),
  );
  const li = h('li', { role: 'treeitem', 'aria-expanded': 'false', dataset: { unitId: unit.id } }, h('div.row', caret, label), kids);

  function show(children) {
    clear(
      kids,
      children.map((child) => node(child, { ...options, depth: options.depth + 1 }).li),
    );
    loaded = true;
    open = true;
    li.setAttribute('aria-expanded', 'true');
  }
  return { li, show };
}

function legend() {
  return h(
    'div.legend',
    { title: '子树内有在运营账号的单位占比' },
    [0, 0.6, 0.85, 1].map((share) => h('span', h('i', { style: { background: coverageColour(share) } }), fmt.pct(share, 0))),
  );
}
