// Small DOM helpers: no framework, no build step.

/**
 * Creates an element: h('div.card', { onclick }, child, 'text', [children]).
 * Attributes starting with `on` are listeners; `dataset`/`style` objects are merged; null children are skipped.
 */
export function h(tag, attrs, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
    else if (key === 'class') el.className = [el.className, value].filter(Boolean).join(' ');
    // A textarea has no value attribute: the property it is, for every control.
    else if (key === 'value') el.value = String(value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const fmt = {
  int: (n) => (n === null || n === undefined ? '—' : Number(n).toLocaleString('zh-CN')),
  pct: (share, digits = 1) => (share === null || share === undefined ? '—' : `${(share * 100).toFixed(digits)}%`),
  date: (iso) => (iso ? String(iso).slice(0, 10) : '—'),
  datetime: (iso) => (iso ? new Date(iso).toLocaleString('zh-CN', { hour12: false }) : '—'),
};

/** The colour of a coverage share: red (none) through amber to green (full). */
export function coverageColour(share) {
  if (share === null || share === undefined) return '#cbd5e1';
  const stops = [
    [0, [220, 38, 38]],
    [0.6, [245, 158, 11]],
    [0.85, [132, 204, 22]],
    [1, [22, 163, 74]],
  ];
  const i = Math.max(
    1,
    stops.findIndex(([at]) => at >= share),
  );
  const [a, ca] = stops[i - 1];
  const [b, cb] = stops[i];
  const t = b === a ? 0 : (share - a) / (b - a);
  return `rgb(${ca.map((c, k) => Math.round(c + (cb[k] - c) * t)).join(',')})`;
}

let toastBox;
/** A short message in the corner; errors stay longer. */
export function toast(message, kind = 'info') {
  toastBox ??= document.body.appendChild(h('div.toasts', { role: 'status', 'aria-live': 'polite' }));
  const item = h(`div.toast.${kind}`, message);
  toastBox.append(item);
  setTimeout(() => item.remove(), kind === 'error' ? 8000 : 3500);
}

/** Shows an error of the API (or any) as a toast and in `where` when given. */
export function showError(error, where) {
  const message = error?.display ?? String(error?.message ?? error);
  toast(message, 'error');
  if (where) clear(where, h('div.error', message));
}

/**
 * A modal dialog: resolves with the value `onSubmit` returns, or null when cancelled.
 * `body` is a node; `onSubmit` may throw to keep the dialog open (its message is shown).
 */
export function modal(title, body, { submitText = '确定', onSubmit = () => true } = {}) {
  return new Promise((resolve) => {
    const message = h('div.modal-error');
    const close = (value) => {
      overlay.remove();
      resolve(value);
    };
    const submit = h('button.primary', { type: 'submit' }, submitText);
    const form = h(
      'form.modal',
      {
        role: 'dialog',
        'aria-modal': 'true',
        'aria-label': title,
        onsubmit: async (event) => {
          event.preventDefault();
          submit.disabled = true;
          try {
            close(await onSubmit());
          } catch (error) {
            clear(message, error?.display ?? String(error?.message ?? error));
            submit.disabled = false;
          }
        },
      },
      h('h3', title),
      body,
      message,
      h('div.modal-actions', h('button', { type: 'button', onclick: () => close(null) }, '取消'), submit),
    );
    const overlay = h('div.overlay', { onclick: (e) => e.target === overlay && close(null) }, form);
    document.body.append(overlay);
    form.querySelector('textarea, input, select, button.primary')?.focus();
  });
}

/**
 * A table from column definitions: { title, value(row) → node|text, class? }. An empty list shows `empty`.
 * `onRow` makes rows clickable.
 */
export function table(columns, rows, { empty = '暂无数据', onRow, rowClass } = {}) {
  return h(
    'table.data',
    h(
      'thead',
      h(
        'tr',
        columns.map((c) => h('th', { class: c.class }, c.title)),
      ),
    ),
    h(
      'tbody',
      rows.length === 0
        ? h('tr', h('td.empty', { colSpan: columns.length }, empty))
        : rows.map((row) =>
            h(
              'tr',
              {
                class: [onRow ? 'clickable' : '', rowClass?.(row) ?? ''].join(' ').trim() || null,
                onclick: onRow ? () => onRow(row) : null,
                tabIndex: onRow ? 0 : null,
                onkeydown: onRow ? (e) => e.key === 'Enter' && onRow(row) : null,
              },
              columns.map((c) => h('td', { class: c.class }, c.value(row))),
            ),
          ),
    ),
  );
}

export const badge = (text, kind = '') => h(`span.badge${kind ? `.${kind}` : ''}`, text);

export const loading = (text = '加载中…') => h('div.loading', text);

/** A labelled form field. */
export const field = (label, control) => h('label.field', h('span', label), control);

export function select(name, options, value) {
  return h(
    'select',
    { name },
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
  );
}
