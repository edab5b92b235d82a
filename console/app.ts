// The regcred console: pick a project, list its credentials, add, rotate, verify, delete, and copy
// what consumers need. A client of the public HTTP API only.
import { limits } from '../functions/contract/config.ts';
import { projectName, type Credential } from '../functions/contract/schemas.ts';
import { addForm } from './add-form.ts';
import { ApiError, apiClient, type Api, type Signer } from './api.ts';
import { consumersPanel } from './consumers.ts';
import { deleteDialog, rotateDialog } from './dialogs.ts';
import { field, h, showError } from './dom.ts';
import type { ConsoleConfig } from './config.ts';

const projectKey = 'regcred.project';

const config = (await (await fetch(new URL('config.json', import.meta.url), { cache: 'no-store' })).json()) as ConsoleConfig;
const apiUrl = config.apiUrl ?? location.origin;
let sign: Signer | undefined;
if (config.auth) sign = await (await import('./auth.ts')).signIn(config.auth);
start(apiClient(apiUrl, sign));
if (config.auth) {
  // Ends the hosted sign-in session too; the keys in memory go with the page.
  const logout = new URL('/logout', config.auth.signInUrl);
  logout.search = new URLSearchParams({ client_id: config.auth.userPoolClientId, logout_uri: `${location.origin}/` }).toString();
  document.querySelector('header')?.append(h('a', { href: logout.toString(), class: 'sign-out' }, 'Sign out'));
}

function start(api: Api): void {
  const root = document.getElementById('app')!;
  const status = h('p', { role: 'status', class: 'status' });
  const project = field('Project', h('input', { name: 'project', autocomplete: 'off', required: true, value: localStorage.getItem(projectKey) ?? '' }));
  const picker = h('form', { class: 'project', 'aria-label': 'Choose a project' }, project.wrapper, h('button', { type: 'submit' }, 'Open project'));
  const workspace = h('div');
  const pageSizes = [10, 25, limits.defaultPageSize, limits.maxPageSize];
  const pageSize = field('Per page', h('select', { name: 'page-size' }, ...pageSizes.map((n) => h('option', { value: String(n), selected: n === limits.defaultPageSize }, String(n)))));
  root.replaceChildren(picker, status, workspace);

  const say = (message: string) => (status.textContent = message);
  let pageTokens: (string | undefined)[] = [undefined];

  /** Opens a project by name as typed or as the address names it; the address then names it (a bookmarkable #/projects/<name>). */
  const choose = (typed: string, replace = false) => {
    project.input.value = typed;
    const parsed = projectName.safeParse(typed);
    showError(project, parsed.success ? undefined : parsed.error.issues[0]?.message);
    if (!parsed.success) return project.input.focus();
    localStorage.setItem(projectKey, parsed.data);
    pageTokens = [undefined];
    if (location.hash !== projectHash(parsed.data)) history[replace ? 'replaceState' : 'pushState'](null, '', projectHash(parsed.data));
    void open(parsed.data);
  };
  picker.addEventListener('submit', (event) => {
    event.preventDefault();
    choose(project.input.value.trim());
  });
  addEventListener('popstate', () => {
    const named = projectInHash();
    if (named !== undefined) choose(named);
  });

  async function open(name: string, message?: string): Promise<void> {
    const table = h('section', { class: 'card', 'aria-labelledby': 'list-title' }, h('h2', { id: 'list-title' }, `Credentials of ${name}`), h('p', {}, 'Loading…'));
    if (!workspace.firstChild) workspace.append(table);
    let page;
    try {
      page = await api.list(name, Number(pageSize.input.value), pageTokens.at(-1));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const issue = error.body?.issues?.find((i) => i.path === 'project');
      showError(project, issue?.message ?? error.message);
      workspace.replaceChildren();
      return;
    }
    const refresh = (text: string) => void open(name, text);
    const pager = h(
      'div',
      { class: 'actions pager' },
      pageSize.wrapper,
      pageTokens.length > 1 && h('button', { type: 'button', class: 'secondary', onclick: () => (pageTokens.pop(), refresh('Previous page.')) }, 'Previous page'),
      page.nextToken && h('button', { type: 'button', class: 'secondary', onclick: () => (pageTokens.push(page.nextToken!), refresh('Next page.')) }, 'Next page'),
    );
    workspace.replaceChildren(
      h('section', { class: 'card', 'aria-labelledby': 'list-title' }, h('h2', { id: 'list-title' }, `Credentials of ${name}`), credentialTable(api, name, page.items, refresh, say), pager),
      addForm(api, () => name, (text) => ((pageTokens = [undefined]), refresh(text))),
      consumersPanel(api, name, apiUrl, page.items.map((i) => i.registry)),
    );
    if (message) say(message);
  }
  pageSize.input.addEventListener('change', () => {
    pageTokens = [undefined];
    const name = localStorage.getItem(projectKey);
    if (name) void open(name, `${pageSize.input.value} per page.`);
  });

  const first = projectInHash() ?? localStorage.getItem(projectKey);
  if (first) choose(first, true);
  else project.input.focus();
}

const projectHash = (name: string) => `#/projects/${encodeURIComponent(name)}`;

/** The project the address names (`#/projects/<name>`), unchecked: choose() checks it like a typed one. */
function projectInHash(): string | undefined {
  const match = /^#\/projects\/([^/]*)$/.exec(location.hash);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return match[1];
  }
}

const dateTime = (iso: string | null) => (iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 16) : '-');

function credentialTable(api: Api, project: string, items: readonly Credential[], refresh: (message: string) => void, say: (m: string) => void): HTMLElement {
  if (items.length === 0) return h('p', {}, 'No credentials yet: add one below.');
  const headers = ['ID', 'SERVER', 'USERNAME', 'EMAIL', 'STATUS', 'CREATED', 'UPDATED', 'ACTIONS'];
  return h(
    'div',
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'list-title' },
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, ...headers.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...items.map((item) => credentialRow(api, project, item, refresh, say))),
    ),
  );
}

function credentialRow(api: Api, project: string, item: Credential, refresh: (message: string) => void, say: (m: string) => void): HTMLElement {
  const statusCell = h('td', { class: `status-${item.status ?? 'none'}` }, item.status ?? '-');
  const verify = h('button', { type: 'button', class: 'secondary', 'aria-label': `Verify ${item.server}` }, 'Verify');
  verify.addEventListener('click', () => {
    void (async () => {
      verify.disabled = true;
      say(`Checking ${item.server}…`);
      try {
        const result = await api.verify(project, item.id);
        refresh(`${item.server}: ${result.status}: ${result.detail}`);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.status === 429 && error.retryAfter) {
          say(`${item.server} was checked moments ago; you can check it again in ${error.retryAfter} s.`);
          setTimeout(() => (verify.disabled = false), error.retryAfter * 1000);
          return;
        }
        say(`${item.server}: ${error.message}`);
      }
      verify.disabled = false;
    })();
  });
  return h(
    'tr',
    {},
    h('td', { class: 'mono' }, item.id),
    h('td', {}, item.server),
    h('td', {}, item.username ?? ''),
    h('td', {}, item.email ?? ''),
    statusCell,
    h('td', { class: 'when' }, dateTime(item.createdAt)),
    h('td', { class: 'when' }, dateTime(item.updatedAt)),
    h(
      'td',
      {},
      h('div', { class: 'row-actions' }, verify,
      h('button', { type: 'button', class: 'secondary', 'aria-label': `Rotate the password of ${item.server}`, onclick: () => rotateDialog(api, project, item, refresh) }, 'Rotate'),
      h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${item.server}`, onclick: () => deleteDialog(api, project, item, refresh) }, 'Delete')),
    ),
  );
}
