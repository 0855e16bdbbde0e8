// Small DOM helpers shared by the pages: element builder, dialogs, fields with their rule
// texts, tables, pagers, and the loading / empty / error states.

/** `h('button', {class: 'primary', onclick}, 'OK')`: attributes, `on*` handlers, children. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let uid = 0;
export const nextId = (prefix) => `${prefix}-${++uid}`;

/** Tells screen-reader users what just happened. */
export function announce(message) {
  const live = document.getElementById('live');
  live.textContent = '';
  setTimeout(() => { live.textContent = message; }, 30);
}

export function debounce(fn, ms = 300) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

export function errorText(error) {
  return error.code && !error.code.startsWith('Console.')
    ? `${error.message} (${error.code})`
    : error.message;
}

export function loading(what) {
  return h('p', { class: 'state loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), `Loading ${what}…`);
}

export function empty(message, action) {
  return h('div', { class: 'state empty' }, h('p', {}, message), action || null);
}

export function failure(error, retry) {
  return h('div', { class: 'state failure', role: 'alert' },
    h('p', {}, h('strong', {}, 'Could not load this page. '), errorText(error)),
    h('button', { type: 'button', onclick: retry }, 'Try again'));
}

/**
 * A labelled form field with its format rule shown under it and a message area for the
 * server's verdict. `input` is the control; returns {wrap, input, verdict(error|null|'')}.
 */
export function field(label, input, rule) {
  const id = input.id || (input.id = nextId('field'));
  const ruleId = `${id}-rule`;
  const messageId = `${id}-message`;
  input.setAttribute('aria-describedby', rule ? `${ruleId} ${messageId}` : messageId);
  const message = h('p', { class: 'field-message', id: messageId, 'aria-live': 'polite' });
  const wrap = h('div', { class: 'field' },
    h('label', { for: id }, label),
    input,
    rule ? h('p', { class: 'rule', id: ruleId }, rule) : null,
    message);
  return {
    wrap,
    input,
    /** null: valid; an error: its message; '': nothing to say. */
    verdict(result) {
      message.className = 'field-message';
      if (result === '') {
        message.textContent = '';
        input.removeAttribute('aria-invalid');
      } else if (result === null) {
        message.textContent = '✓ Accepted by the server';
        message.classList.add('ok');
        input.removeAttribute('aria-invalid');
      } else {
        message.textContent = errorText(result);
        message.classList.add('error');
        input.setAttribute('aria-invalid', 'true');
      }
    },
  };
}

/**
 * A modal dialog. `onOk(dialog)` runs on OK (or Enter); a thrown error is shown in the dialog,
 * which stays open; returning `'keep'` keeps it open too. Resolves when it closes.
 */
export function openDialog({ title, body, okLabel = 'OK', onOk, wide = false }) {
  const opener = document.activeElement;
  const titleId = nextId('dialog-title');
  const error = h('div', { class: 'dialog-error', role: 'alert' });
  const ok = h('button', { type: 'submit', class: 'primary' }, okLabel);
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const content = h('div', { class: 'dialog-body' }, body);
  const form = h('form', { method: 'dialog', novalidate: true },
    h('h2', { id: titleId }, title), content, error,
    h('div', { class: 'dialog-buttons' }, cancel, ok));
  const el = h('dialog', { class: wide ? 'wide' : '', 'aria-labelledby': titleId }, form);
  let busy = false;
  const api = {
    el,
    ok,
    showError(e) {
      error.replaceChildren(e ? h('p', {}, errorText(e)) : '');
    },
    setBody(...nodes) { content.replaceChildren(...nodes); },
    /** Turns the dialog into a report: only a Close button remains. */
    finish() {
      ok.hidden = true;
      cancel.textContent = 'Close';
      cancel.focus();
    },
    close() { el.close(); },
  };
  cancel.addEventListener('click', () => { if (!busy) el.close(); });
  el.addEventListener('cancel', (event) => { if (busy) event.preventDefault(); });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy || ok.disabled) return;
    busy = true;
    ok.disabled = cancel.disabled = true;
    const label = ok.textContent;
    ok.textContent = 'Working…';
    api.showError(null);
    try {
      if ((await onOk(api)) !== 'keep') el.close();
    } catch (e) {
      api.showError(e);
    } finally {
      busy = false;
      ok.disabled = cancel.disabled = false;
      ok.textContent = label;
    }
  });
  document.body.append(el);
  return new Promise((resolve) => {
    el.addEventListener('close', () => {
      el.remove();
      if (opener && opener.isConnected) opener.focus();
      resolve();
    });
    el.showModal();
    const first = content.querySelector('input:not([disabled]), select, textarea, button');
    (first || ok).focus();
  });
}

/** A table in a scrollable, keyboard-focusable region. `columns`: [{title, cell(row)}]. */
export function table(caption, columns, rows) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', {},
      h('caption', { class: 'sr-only' }, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.title)))),
      h('tbody', {}, rows.map((row) => h('tr', {}, columns.map((c) => h('td', { 'data-label': typeof c.title === 'string' ? c.title : null }, c.cell(row))))))));
}

/** Page N of M with Previous/Next; calls `go(page)`. */
export function pager(page, size, total, go, what) {
  const pages = Math.max(1, Math.ceil(total / size));
  return h('nav', { class: 'pager', 'aria-label': `${what} pages` },
    h('button', { type: 'button', disabled: page <= 1, onclick: () => go(page - 1) }, '‹ Previous'),
    h('span', { 'aria-live': 'polite' }, `Page ${page} of ${pages} · ${total} ${what}`),
    h('button', { type: 'button', disabled: page >= pages, onclick: () => go(page + 1) }, 'Next ›'));
}

export function statusBadge(status) {
  return h('span', { class: `badge status-${status.toLowerCase()}` }, status);
}

export function kindLabel(type) {
  return type === 'enterprise' ? 'Advanced' : 'Basic';
}

/** A page header: title, optional subtitle, and buttons on the right. */
export function pageHeader(title, subtitle, ...buttons) {
  return h('div', { class: 'page-header' },
    h('div', {}, h('h1', { tabindex: '-1' }, title),
      subtitle instanceof Node ? subtitle : subtitle ? h('p', { class: 'subtitle' }, subtitle) : null),
    h('div', { class: 'toolbar' }, buttons));
}

/** Runs `load()` into `container`, with the loading state before and an error state on failure. */
export async function loadInto(container, what, load) {
  container.replaceChildren(loading(what));
  try {
    container.replaceChildren(...[await load()].flat());
  } catch (error) {
    container.replaceChildren(failure(error, () => loadInto(container, what, load)));
  }
}
