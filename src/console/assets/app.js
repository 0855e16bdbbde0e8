// The console shell: sign-in, top bar (region, account, sign out), navigation and routes.
import * as api from './api.js';
import { h, announce, errorText, field } from './ui.js';
import * as groups from './groups.js';
import * as enis from './enis.js';
import * as instances from './instances.js';

const REGION_KEY = 'ecsnet.console.region';
const state = { session: null, rules: null, region: localStorage.getItem(REGION_KEY) || 'cn-hangzhou' };

const routes = [
  { pattern: /^#\/security-groups\/([^/]+)\/instances$/, nav: 'security-groups', page: (m) => groups.members(ctx(), decodeURIComponent(m[1])) },
  { pattern: /^#\/security-groups$/, nav: 'security-groups', page: () => groups.list(ctx()) },
  { pattern: /^#\/enis$/, nav: 'enis', page: () => enis.list(ctx()) },
  { pattern: /^#\/instances$/, nav: 'instances', page: () => instances.list(ctx()) },
];

function ctx() {
  return { region: state.region, rules: state.rules, go: (hash) => { location.hash = hash; } };
}

const root = () => document.getElementById('app');

function signInPage(notice) {
  document.title = 'Sign in · ecsnet console';
  const id = field('AccessKey ID', h('input', { name: 'accessKeyId', autocomplete: 'username', required: true, spellcheck: 'false' }));
  const secret = field('AccessKey Secret', h('input', { name: 'accessKeySecret', type: 'password', autocomplete: 'current-password', required: true }));
  const error = h('div', { class: 'form-error', role: 'alert' }, notice ? h('p', {}, notice) : null);
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', {
    class: 'sign-in',
    novalidate: true,
    'aria-labelledby': 'sign-in-title',
    onsubmit: async (event) => {
      event.preventDefault();
      error.replaceChildren();
      if (!id.input.value.trim() || !secret.input.value) {
        error.replaceChildren(h('p', {}, 'Enter both the AccessKey ID and the AccessKey Secret.'));
        return;
      }
      button.disabled = true;
      button.textContent = 'Signing in…';
      try {
        state.session = await api.signIn(id.input.value.trim(), secret.input.value);
        if (!location.hash) location.hash = '#/security-groups';
        await shell();
      } catch (e) {
        error.replaceChildren(h('p', {}, errorText(e)));
        secret.input.focus();
      } finally {
        button.disabled = false;
        button.textContent = 'Sign in';
      }
    },
  },
  h('h1', { id: 'sign-in-title' }, 'Sign in to the ecsnet console'),
  h('p', { class: 'subtitle' }, 'Use an AccessKey pair of your ecsnet account: the one printed at the server\'s first start, or one made by ecsnet account create.'),
  id.wrap, secret.wrap, error, button);
  root().replaceChildren(h('main', { class: 'sign-in-page', id: 'main' }, form));
  id.input.focus();
}

async function regionSelect() {
  const select = h('select', { id: 'region', name: 'region' });
  try {
    const answer = await api.call('DescribeRegions', {});
    for (const region of answer.Regions.Region) {
      select.append(h('option', { value: region.RegionId }, `${region.LocalName} (${region.RegionId})`));
    }
  } catch {
    select.append(h('option', { value: state.region }, state.region));
  }
  if (![...select.options].some((o) => o.value === state.region)) state.region = select.options[0].value;
  select.value = state.region;
  select.addEventListener('change', () => {
    state.region = select.value;
    localStorage.setItem(REGION_KEY, state.region);
    announce(`Region ${select.selectedOptions[0].textContent} selected`);
    // A group's member page belongs to one region: go back to its list.
    if (location.hash.includes('/instances') && location.hash.startsWith('#/security-groups/')) location.hash = '#/security-groups';
    else route();
  });
  return h('div', { class: 'region' }, h('label', { for: 'region' }, 'Region'), select);
}

function navLink(key, hash, label) {
  return h('li', {}, h('a', { href: hash, 'data-nav': key }, label));
}

async function shell() {
  const signOut = h('button', {
    type: 'button',
    class: 'link-button',
    onclick: async () => {
      try {
        await api.signOut();
      } catch (e) {
        if (e.status !== 401) { announce(errorText(e)); return; }
      }
      state.session = null;
      signInPage('You have signed out.');
    },
  }, 'Sign out');
  const header = h('header', { class: 'top-bar' },
    h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
    h('span', { class: 'brand' }, h('img', { src: '/console/assets/favicon.svg', alt: '', width: '20', height: '20' }), 'ecsnet console'),
    await regionSelect(),
    h('span', { class: 'account' }, `Account ${state.session.AccountId} · ${state.session.AccessKeyId}`),
    signOut);
  const nav = h('nav', { class: 'side-nav', 'aria-label': 'Console' },
    h('h2', {}, 'Instances & Images'),
    h('ul', {}, navLink('instances', '#/instances', 'Instances')),
    h('h2', {}, 'Network & Security'),
    h('ul', {}, navLink('security-groups', '#/security-groups', 'Security Groups'), navLink('enis', '#/enis', 'ENI')));
  const main = h('main', { id: 'main', tabindex: '-1' });
  root().replaceChildren(header, h('div', { class: 'layout' }, nav, main));
  route();
}

async function route() {
  if (!state.session) return;
  const hash = location.hash || '#/security-groups';
  const match = routes.map((r) => [r, hash.match(r.pattern)]).find(([, m]) => m);
  if (!match) { location.hash = '#/security-groups'; return; }
  const [routeDef, m] = match;
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === routeDef.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const main = document.getElementById('main');
  const page = routeDef.page(m);
  main.replaceChildren(page.el);
  document.title = `${page.title} · ecsnet console`;
  // Keyboard and screen-reader users land on the new page's heading.
  if (document.activeElement && document.activeElement.closest('nav, .page-header, main')) {
    main.querySelector('h1')?.focus();
  }
}

window.addEventListener('hashchange', route);
api.whenSignedOut(() => {
  state.session = null;
  signInPage('Your session has ended. Sign in again to continue.');
});

async function start() {
  try {
    state.rules = await api.rules();
    state.session = await api.currentSession();
  } catch (e) {
    root().replaceChildren(h('main', { class: 'sign-in-page', id: 'main' },
      h('div', { class: 'state failure', role: 'alert' }, h('p', {}, errorText(e)),
        h('button', { type: 'button', onclick: start }, 'Try again'))));
    return;
  }
  if (state.session) await shell();
  else signInPage();
}

start();
