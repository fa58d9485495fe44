// The admin page of a UC Mesh node: plain DOM, no dependencies. Everything comes from the node's
// admin API with the token the administrator typed in; live changes arrive as Server-Sent Events.

import { chooseLanguage, MESSAGES, translate } from './i18n.js';

const TOKEN_KEY = 'ucmesh-admin-token';
/** The administrator's choice of language, kept across sessions (no secret, so localStorage). */
const LANGUAGE_KEY = 'ucmesh-admin-language';
/**
 * Where the node's routes are, from this script's own address (`<base>/admin/assets/admin.js`):
 * the page works under any global prefix, base path or reverse-proxy path.
 */
const BASE = new URL('../../', import.meta.url);
/** `/api/mesh` ⇒ `<base>/api/mesh`. */
const apiUrl = (path) => new URL(`.${path}`, BASE);
const $ = (selector) => document.querySelector(selector);

const state = {
  token: sessionStorage.getItem(TOKEN_KEY) ?? '',
  overview: undefined,
  license: undefined,
  nodes: new Map(),
  /** Aborts the event stream of the current session. */
  stream: undefined,
  language: chooseLanguage(localStorage.getItem(LANGUAGE_KEY), navigator.languages),
};

// ---- language ---------------------------------------------------------------------------------

/** The text of `key` in the page's language. */
const t = (key, params) => translate(state.language, key, params);
/** A link reason's label; a code this page does not know (a newer peer's) shows as it is. */
const reasonLabel = (code) => (`reason.${code}` in MESSAGES.en ? t(`reason.${code}`) : code);
/** What to do about a status's reason, in the page's language; the API's English hint otherwise. */
const hintOf = (status) =>
  status.reason && `hint.${status.reason}` in MESSAGES.en ? t(`hint.${status.reason}`) : status.hint;
/** A date and time as the page's language writes it. */
const when = (time) => new Date(time).toLocaleString(state.language);

/**
 * Sets an element's text from the dictionary and marks it (`data-i18n`), so a switch of language
 * translates it again; `key` '' empties it.
 */
function say(target, key, params) {
  if (key === '') {
    target.textContent = '';
    delete target.dataset.i18n;
    delete target.dataset.i18nParams;
    return;
  }
  target.dataset.i18n = key;
  if (params === undefined) delete target.dataset.i18nParams;
  else target.dataset.i18nParams = JSON.stringify(params);
  target.textContent = t(key, params);
}

/** Puts the whole page into `language`: the marked texts, the drawn parts and `<html lang>`. */
function applyLanguage(language) {
  state.language = language;
  document.documentElement.lang = language;
  for (const marked of document.querySelectorAll('[data-i18n]')) {
    const params = marked.dataset.i18nParams;
    marked.textContent = t(marked.dataset.i18n, params === undefined ? undefined : JSON.parse(params));
  }
  for (const marked of document.querySelectorAll('[data-i18n-aria-label]'))
    marked.setAttribute('aria-label', t(marked.dataset.i18nAriaLabel));
  for (const button of document.querySelectorAll('[data-language]'))
    button.setAttribute('aria-pressed', String(button.dataset.language === language));
  passwordPlaceholder();
  render();
}

class ApiError extends Error {
  constructor(status, messages) {
    super(messages.join('; '));
    this.status = status;
    this.messages = messages;
  }
}

/** A call of the admin API; a 401 ends the session. */
async function api(path, { method = 'GET', body } = {}) {
  const response = await fetch(apiUrl(path), {
    method,
    headers: {
      Authorization: `Bearer ${state.token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return undefined;
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const messages = [answer.message ?? response.statusText].flat().map(String);
    if (response.status === 401) signOut('login.rejected');
    throw new ApiError(response.status, messages);
  }
  return answer;
}

// ---- session ----------------------------------------------------------------------------------

async function signIn(token) {
  state.token = token;
  await loadAll();
  sessionStorage.setItem(TOKEN_KEY, token);
  $('#login').hidden = true;
  $('#console').hidden = false;
  $('#sign-out').hidden = false;
  fillSettings();
  followEvents();
}

/** Ends the session; `why` is a dictionary key ('' for none), with its `params`. */
function signOut(why = '', params) {
  state.stream?.abort();
  state.token = '';
  sessionStorage.removeItem(TOKEN_KEY);
  $('#console').hidden = true;
  $('#sign-out').hidden = true;
  $('#login').hidden = false;
  say($('#login-error'), why, params);
  $('#token').focus();
}

async function loadAll() {
  const [overview, license, nodes] = await Promise.all([
    api('/api/mesh'),
    api('/api/license'),
    api('/api/mesh/nodes'),
  ]);
  state.overview = overview;
  state.license = license;
  state.nodes = new Map(nodes.map((node) => [node.id, node]));
  render();
}

// ---- live updates -------------------------------------------------------------------------------

/**
 * Reads `/api/mesh/events` with fetch (EventSource cannot send the token); after a break it loads
 * everything again, so nothing missed in between stays stale.
 */
async function followEvents() {
  state.stream?.abort();
  const controller = new AbortController();
  state.stream = controller;
  let delay = 1000;
  while (!controller.signal.aborted) {
    try {
      const response = await fetch(apiUrl('/api/mesh/events'), {
        headers: { Authorization: `Bearer ${state.token}`, Accept: 'text/event-stream' },
        signal: controller.signal,
      });
      if (response.status === 401) return signOut('login.rejected');
      if (!response.ok || !response.body) throw new Error(`events: ${response.status}`);
      connectionNotice('');
      delay = 1000;
      await readEvents(response.body, controller.signal);
    } catch {
      if (controller.signal.aborted) return;
    }
    connectionNotice('connection.lost');
    await new Promise((done) => setTimeout(done, delay));
    delay = Math.min(delay * 2, 10_000);
    await loadAll().catch(() => undefined);
  }
}

async function readEvents(body, signal) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  signal.addEventListener('abort', () => reader.cancel().catch(() => undefined), { once: true });
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let type = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) type = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0) onEvent(type, JSON.parse(data.join('\n')));
    }
  }
}

function onEvent(type, data) {
  if (type === 'node.added' || type === 'node.updated') state.nodes.set(data.id, data);
  else if (type === 'node.removed') state.nodes.delete(data.id);
  else if (type === 'mesh.updated') {
    state.overview = data;
    // The license may have changed with it (installed, expired).
    api('/api/license')
      .then((license) => {
        state.license = license;
        renderSelf();
      })
      .catch(() => undefined);
    if (!settingsDirty) fillSettings();
  }
  render();
}

/** A notice above the page: a dictionary key ('' clears it) with its `params`. */
function connectionNotice(key, params) {
  say($('#connection'), key, params);
}

// ---- rendering ---------------------------------------------------------------------------------

function render() {
  renderSelf();
  renderNodes();
  renderPicture();
}

/**
 * The colour class of a status: green connected, yellow error, grey off (or on the way). A peer
 * that unchecked this node switched the link off on purpose: grey on both sides, with the reason.
 */
function colourOf(status) {
  if (status.state === 'connected') return 'connected';
  if (status.state === 'error' && status.reason !== 'disabled-remote') return 'error';
  return 'off';
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children.filter((child) => child !== undefined));
  return node;
}

function facts(list, entries) {
  list.replaceChildren(
    ...entries.flatMap(([term, value, testId]) => [
      element('dt', {}, term),
      element('dd', { 'data-testid': testId }, value ?? '—'),
    ]),
  );
}

function renderSelf() {
  const { overview, license } = state;
  if (!overview || !license) return;
  $('#title-host').textContent = `— ${overview.self.host}`;
  facts($('#self'), [
    [t('self.host'), overview.self.host],
    [t('self.port'), String(overview.self.port)],
    [t('self.nodeId'), overview.self.nodeId],
    [t('self.encryption'), t(`encryption.${overview.self.encryption}`)],
    [
      t('self.mesh'),
      t(overview.active ? 'self.active' : overview.enabled ? 'self.unlicensed' : 'self.disabled'),
      'mesh-state',
    ],
  ]);
  // The license's reason is a code and its message the node's own words: shown as they are.
  const reason = license.reason ?? t('license.unlicensed');
  const kind = !license.licensed
    ? license.message
      ? t('license.invalidWithMessage', { reason, message: license.message })
      : t('license.invalid', { reason })
    : t(license.evaluation ? 'license.evaluation' : 'license.licensed');
  facts($('#license'), [
    [t('license.state'), kind, 'license-state'],
    [t('license.licensee'), license.licensee ?? undefined],
    [t('license.expires'), license.expiresAt ? when(license.expiresAt) : undefined],
    [
      t('license.connections'),
      t('license.connectionsUsed', { used: overview.links, allowed: license.connections }),
      'license-connections',
    ],
  ]);
}

function statusText(status) {
  const label = t(`state.${status.state}`);
  return status.reason ? `${label}: ${reasonLabel(status.reason)}` : label;
}

/** The peer's clock against this node's, as the status measures it (`clockOffsetMs`). */
function clockOffsetText(ms) {
  const size = Math.abs(ms);
  const by = size < 1000 ? `${size.toFixed(1)} ms` : `${(size / 1000).toFixed(1)} s`;
  return ms > 0 ? t('clock.ahead', { by }) : ms < 0 ? t('clock.behind', { by }) : t('clock.same');
}

/** Everything the node knows of a link, for the tooltip and the details dialog. */
function statusFacts(node) {
  const s = node.status;
  const entries = [
    [t('details.address'), `${node.host}:${node.port}`],
    [t('self.nodeId'), node.nodeId ?? undefined],
    [t('details.group'), t(node.group === 'fixed' ? 'group.fixed' : 'group.discovered')],
    [t('details.state'), t(`state.${s.state}`)],
    // The label for the administrator, the code for the logs and the API.
    [
      t('details.reason'),
      s.reason ? t('details.reasonValue', { label: reasonLabel(s.reason), code: s.reason }) : undefined,
    ],
    [t('details.message'), s.message],
    [t('details.since'), s.since ? when(s.since) : undefined],
    [t('details.lastConnected'), s.lastConnectedAt ? when(s.lastConnectedAt) : undefined],
    [t('details.direction'), s.direction ? t(`direction.${s.direction}`) : undefined],
    [t('details.remoteAddress'), s.remoteAddress],
    [t('details.transport'), s.transport ? s.transport.toUpperCase() : undefined],
    [t('details.software'), s.version],
    [t('details.clockOffset'), s.clockOffsetMs === undefined ? undefined : clockOffsetText(s.clockOffsetMs)],
    [t('details.roundTrip'), s.rttMs === undefined ? undefined : `${s.rttMs} ms`],
  ];
  if (s.tls) {
    entries.push(
      [t('details.tls'), `${s.tls.protocol} ${s.tls.cipher}`],
      [t('details.certificate'), s.tls.subject],
      [t('details.issuer'), s.tls.issuer],
      [t('details.valid'), `${when(s.tls.validFrom)} – ${when(s.tls.validTo)}`],
      [t('details.fingerprint'), s.tls.fingerprint256],
    );
  }
  return entries.filter(([, value]) => value !== undefined && value !== '');
}

function renderNodes() {
  const nodes = [...state.nodes.values()].sort((a, b) =>
    `${a.host}:${a.port}`.localeCompare(`${b.host}:${b.port}`),
  );
  for (const group of ['fixed', 'discovered']) {
    const rows = nodes.filter((node) => node.group === group).map(nodeRow);
    const body = $(`#${group}-nodes`);
    const focused = document.activeElement?.closest('tr')?.dataset.id;
    const focusedRole = document.activeElement?.dataset.role;
    body.replaceChildren(
      ...(rows.length > 0
        ? rows
        : [element('tr', {}, element('td', { class: 'empty', colspan: '5' }, t('nodes.empty')))]),
    );
    // Keyboard users keep their place when a live update redraws the list.
    if (focused && focusedRole)
      body.querySelector(`tr[data-id="${focused}"] [data-role="${focusedRole}"]`)?.focus();
  }
}

function nodeRow(node) {
  const address = `${node.host}:${node.port}`;
  const colour = colourOf(node.status);
  const tooltip = statusFacts(node)
    .map(([term, value]) => `${term}: ${value}`)
    .join('\n');
  const link =
    node.status.state === 'connected'
      ? `${node.status.direction ? t(`direction.${node.status.direction}`) : ''} ${node.status.transport?.toUpperCase() ?? ''}`.trim()
      : '';
  return element(
    'tr',
    { 'data-id': node.id, 'data-testid': `node-${address}`, oncontextmenu: (event) => openMenu(event, node) },
    element(
      'td',
      {},
      element('input', {
        type: 'checkbox',
        checked: node.connect,
        'data-role': 'connect',
        'aria-label': t('nodes.connect', { address }),
        onchange: (event) => setConnect(node, event.target),
      }),
    ),
    element('td', {}, address, node.nodeId ? element('div', { class: 'muted' }, node.nodeId) : undefined),
    element(
      'td',
      { title: tooltip, 'data-testid': 'status', 'data-state': node.status.state, 'data-colour': colour },
      element('span', { class: `dot ${colour}`, 'aria-hidden': 'true' }),
      t(`state.${node.status.state}`),
      node.status.reason
        ? element(
            'div',
            { class: 'reason', 'data-reason': node.status.reason },
            reasonLabel(node.status.reason),
          )
        : undefined,
      hintOf(node.status)
        ? element('div', { class: 'hint muted', 'data-testid': 'hint' }, hintOf(node.status))
        : undefined,
    ),
    element('td', {}, link),
    element(
      'td',
      {},
      element(
        'button',
        { type: 'button', class: 'plain', 'data-role': 'details', onclick: () => showDetails(node.id) },
        t('nodes.details'),
      ),
      element(
        'button',
        {
          type: 'button',
          class: 'plain',
          'data-role': 'menu',
          'aria-haspopup': 'menu',
          'aria-label': t('nodes.actions', { address }),
          onclick: (event) => openMenu(event, node),
        },
        '⋯',
      ),
    ),
  );
}

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** This node in the middle, every listed node around it, a line per link coloured by its status. */
function renderPicture() {
  const picture = $('#picture');
  const { overview } = state;
  if (!overview) return;
  const nodes = [...state.nodes.values()].sort((a, b) => a.id.localeCompare(b.id));
  const [cx, cy, radius] = [300, 190, 130];
  const placed = nodes.map((node, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(nodes.length, 1);
    const [dx, dy] = [Math.cos(angle), Math.sin(angle)];
    const [x, y] = [cx + radius * dx, cy + radius * dy];
    return { node, x, y, label: labelPlace(x, y, dx, dy) };
  });
  const desc = picture.querySelector('desc');
  desc.textContent =
    t('picture.desc', { host: overview.self.host, count: nodes.length }) +
    nodes.map((node) => `${node.host}:${node.port} ${statusText(node.status)}`).join(', ');
  const links = placed.map(({ node, x, y }) =>
    svg('line', {
      class: `link ${colourOf(node.status)}`,
      x1: cx,
      y1: cy,
      x2: x,
      y2: y,
      'stroke-width': 3,
      'data-testid': `link-${node.host}:${node.port}`,
    }),
  );
  const circles = placed.flatMap(({ node, x, y, label }) => [
    svg('circle', {
      class: colourOf(node.status),
      cx: x,
      cy: y,
      r: 16,
      'data-testid': `circle-${node.host}:${node.port}`,
    }),
    svg('text', label, `${node.host}:${node.port}`),
  ]);
  picture.replaceChildren(
    desc,
    ...links,
    svg('circle', { class: 'self', cx, cy, r: 22 }),
    svg('text', { x: cx, y: cy + 40, 'text-anchor': 'middle' }, t('picture.self')),
    ...circles,
  );
}

/**
 * Where a node's label goes: beside its circle on the left and right (the text running away from
 * it), above it at the top, below it at the bottom, so no label runs over a circle.
 */
function labelPlace(x, y, dx, dy) {
  const gap = 16 + 8;
  if (dx > 0.5) return { x: x + gap, y: y + 4, 'text-anchor': 'start' };
  if (dx < -0.5) return { x: x - gap, y: y + 4, 'text-anchor': 'end' };
  return { x, y: dy < 0 ? y - gap - 2 : y + gap + 8, 'text-anchor': 'middle' };
}

// ---- settings and license ------------------------------------------------------------------------

let settingsDirty = false;

function fillSettings() {
  const form = $('#settings-form');
  const { overview } = state;
  if (!overview) return;
  form.enabled.checked = overview.enabled;
  form.discovery.checked = overview.discovery;
  form.acceptUnknown.checked = overview.acceptUnknown;
  form.discoveryIntervalMs.value = String(overview.discoveryIntervalMs);
  form.meshId.value = overview.meshId ?? '';
  form.password.value = '';
  passwordPlaceholder();
  settingsDirty = false;
}

function passwordPlaceholder() {
  if (!state.overview) return;
  $('#password').placeholder = t(
    state.overview.passwordSet ? 'settings.passwordUnchanged' : 'settings.passwordNotSet',
  );
}

async function saveSettings(event) {
  event.preventDefault();
  const form = event.target;
  const { overview } = state;
  const change = {};
  if (form.enabled.checked !== overview.enabled) change.enabled = form.enabled.checked;
  if (form.discovery.checked !== overview.discovery) change.discovery = form.discovery.checked;
  if (form.acceptUnknown.checked !== overview.acceptUnknown)
    change.acceptUnknown = form.acceptUnknown.checked;
  const interval = Number(form.discoveryIntervalMs.value);
  if (interval !== overview.discoveryIntervalMs) change.discoveryIntervalMs = interval;
  if (form.meshId.value !== (overview.meshId ?? '')) change.meshId = form.meshId.value;
  if (form.password.value !== '') change.password = form.password.value;
  const message = $('#settings-message');
  try {
    state.overview = await api('/api/mesh/settings', { method: 'PUT', body: change });
    fillSettings();
    render();
    message.className = 'message';
    say(message, Object.keys(change).length > 0 ? 'settings.saved' : 'settings.unchanged');
  } catch (error) {
    message.className = 'error';
    say(message, '');
    message.textContent = error.message;
  }
}

async function installLicense(event) {
  event.preventDefault();
  const message = $('#license-message');
  try {
    state.license = await api('/api/license', {
      method: 'PUT',
      body: { token: event.target.token.value.trim() },
    });
    event.target.token.value = '';
    message.className = 'message';
    say(message, 'license.installed');
    renderSelf();
  } catch (error) {
    message.className = 'error';
    say(message, '');
    message.textContent = error.message;
  }
}

// ---- node actions -------------------------------------------------------------------------------

/**
 * Keeps the newest word on a node: the answer to a request can arrive after the live events that
 * followed it, and must not put an older status back.
 */
function remember(node) {
  const known = state.nodes.get(node.id);
  const newer = known && Date.parse(known.status.since) > Date.parse(node.status.since);
  state.nodes.set(node.id, newer ? { ...node, status: known.status } : node);
}

async function setConnect(node, checkbox) {
  try {
    const updated = await api(`/api/mesh/nodes/${node.id}`, {
      method: 'PATCH',
      body: { connect: checkbox.checked },
    });
    remember(updated);
    render();
  } catch (error) {
    checkbox.checked = !checkbox.checked;
    connectionNotice('nodes.changeFailed', { address: `${node.host}:${node.port}`, error: error.message });
  }
}

async function addNode(event) {
  event.preventDefault();
  const form = event.target;
  const error = $('#add-error');
  const host = form.host.value.trim();
  const portText = form.port.value.trim();
  const port = Number(portText);
  // In English the same words as the API's answer, before a round trip.
  if (host === '') return fail(form.host, 'add.badHost');
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) return fail(form.port, 'add.badPort');
  try {
    const node = await api('/api/mesh/nodes', {
      method: 'POST',
      body: { host, port, connect: form.connect.checked },
    });
    remember(node);
    render();
    form.host.value = '';
    form.port.removeAttribute('aria-invalid');
    form.host.removeAttribute('aria-invalid');
    say(error, '');
  } catch (failure) {
    fail(failure.messages?.some((m) => m.startsWith('port')) ? form.port : form.host, '', failure.message);
  }

  /** Marks `input` with the page's own message `key`, or with the node's answer `text`. */
  function fail(input, key, text) {
    say(error, key);
    if (key === '') error.textContent = text;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
}

async function pin(node) {
  try {
    const pinned = await api(`/api/mesh/nodes/${node.id}/pin`, { method: 'POST' });
    remember(pinned);
    render();
  } catch (error) {
    connectionNotice('menu.pinFailed', { address: `${node.host}:${node.port}`, error: error.message });
  }
}

async function remove(node) {
  if (!confirm(t('menu.removeConfirm', { address: `${node.host}:${node.port}` }))) return;
  try {
    await api(`/api/mesh/nodes/${node.id}`, { method: 'DELETE' });
    state.nodes.delete(node.id);
    render();
  } catch (error) {
    connectionNotice('menu.removeFailed', { address: `${node.host}:${node.port}`, error: error.message });
  }
}

function showDetails(id) {
  const node = state.nodes.get(id);
  if (!node) return;
  $('#details-title').textContent = `${node.host}:${node.port}`;
  facts($('#details-facts'), statusFacts(node));
  $('#node-details').showModal();
}

// ---- the node menu (context menu) -------------------------------------------------------------

let menuOpener;

function openMenu(event, node) {
  event.preventDefault();
  const menu = $('#node-menu');
  const items =
    node.group === 'discovered'
      ? [[t('menu.pin'), () => pin(node)]]
      : [[t('menu.remove'), () => remove(node)]];
  items.push([t('menu.details'), () => showDetails(node.id)]);
  menu.replaceChildren(
    ...items.map(([label, action]) =>
      element(
        'li',
        { role: 'none' },
        element(
          'button',
          {
            type: 'button',
            role: 'menuitem',
            tabindex: '-1',
            onclick: () => {
              closeMenu();
              action();
            },
          },
          label,
        ),
      ),
    ),
  );
  menuOpener = event.currentTarget.closest('tr')?.querySelector('[data-role="menu"]') ?? event.currentTarget;
  const anchor = event.type === 'contextmenu' && event.pageX > 0 ? event : null;
  const box = menuOpener.getBoundingClientRect();
  menu.setAttribute('aria-label', t('nodes.actions', { address: `${node.host}:${node.port}` }));
  menu.hidden = false;
  // Under the button, its right edge aligned with the button's (or at the pointer), inside the window.
  const width = menu.offsetWidth;
  const left = anchor ? anchor.pageX : box.right + window.scrollX - width;
  menu.style.left = `${Math.max(window.scrollX + 4, Math.min(left, window.scrollX + window.innerWidth - width - 4))}px`;
  menu.style.top = `${anchor ? anchor.pageY : box.bottom + window.scrollY}px`;
  menu.querySelector('button').focus();
}

function closeMenu() {
  const menu = $('#node-menu');
  if (menu.hidden) return;
  menu.hidden = true;
  menuOpener?.focus();
}

function menuKeys(event) {
  const buttons = [...$('#node-menu').querySelectorAll('button')];
  const at = buttons.indexOf(document.activeElement);
  if (event.key === 'Escape' || event.key === 'Tab') {
    event.preventDefault();
    closeMenu();
  } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
    event.preventDefault();
    const step = event.key === 'ArrowDown' ? 1 : -1;
    buttons[(at + step + buttons.length) % buttons.length]?.focus();
  }
}

// ---- start ------------------------------------------------------------------------------------

$('#login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = $('#token').value.trim();
  if (token === '') return say($('#login-error'), 'login.empty');
  try {
    await signIn(token);
    $('#token').value = '';
  } catch (error) {
    if (error.status === 401) signOut('login.rejected');
    else signOut('login.noAnswer', { error: error.message });
  }
});
$('#sign-out').addEventListener('click', () => signOut());
for (const button of document.querySelectorAll('[data-language]')) {
  button.addEventListener('click', () => {
    localStorage.setItem(LANGUAGE_KEY, button.dataset.language);
    applyLanguage(button.dataset.language);
  });
}
applyLanguage(state.language);
$('#settings-form').addEventListener('submit', saveSettings);
$('#settings-form').addEventListener('input', () => (settingsDirty = true));
$('#license-form').addEventListener('submit', installLicense);
$('#add-form').addEventListener('submit', addNode);
$('#details-close').addEventListener('click', () => $('#node-details').close());
$('#node-menu').addEventListener('keydown', menuKeys);
document.addEventListener('click', (event) => {
  if (!$('#node-menu').contains(event.target) && !event.target.closest?.('[data-role="menu"]')) closeMenu();
});

if (state.token) signIn(state.token).catch(() => signOut());
else signOut();
