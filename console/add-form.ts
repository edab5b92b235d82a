// The add form: a registry preset decides what the user types; the API's messages land next to the
// fields they name.
import { googleKeyProblem, googleKeyUsernames } from '../functions/core/google-key.ts';
import { ApiError, type Api } from './api.ts';
import { field, h, showError } from './dom.ts';
import { presetById, presets, type Preset } from './presets.ts';

type Field = ReturnType<typeof field>;

export function addForm(api: Api, project: () => string, onAdded: (message: string) => void): HTMLElement {
  const preset = h('select', { name: 'preset' }, ...presets.map((p) => h('option', { value: p.id }, p.label)));
  const presetField = field('Registry', preset);
  const serverBox = h('div');
  const username = field('Username', h('input', { name: 'username', autocomplete: 'off' }));
  const fixedUser = h('p', { class: 'hint' });
  const email = field('Email (optional)', h('input', { name: 'email', type: 'email', autocomplete: 'off' }));
  const passwordBox = h('div');
  const verify = h('input', { type: 'checkbox', name: 'verify', id: 'add-verify' });
  const formError = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit' }, 'Add credential');
  let serverFields: Record<string, Field> = {};
  let password: Field;

  const render = () => {
    const chosen = presetById(preset.value);
    serverFields = Object.fromEntries(
      chosen.serverFields.map((f) => [f.name, field(f.label, h('input', { name: f.name, autocomplete: 'off', required: true, ...(f.value && { value: f.value }) }), f.hint)]),
    );
    serverBox.replaceChildren(...Object.values(serverFields).map((f) => f.wrapper));
    username.wrapper.hidden = chosen.username !== undefined;
    fixedUser.textContent = chosen.username ? `Username: ${chosen.username} (set by the preset)` : '';
    fixedUser.hidden = !chosen.username;
    password = chosen.keyFile
      ? field(chosen.passwordLabel, h('textarea', { name: 'password', rows: '4', required: true, spellcheck: 'false', autocomplete: 'off' }), 'Paste the key file, or choose it below. It is checked before it is sent.')
      : field(chosen.passwordLabel, h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' }));
    passwordBox.replaceChildren(password.wrapper, chosen.keyFile ? keyFilePicker(password) : '');
    clearErrors();
  };

  const clearErrors = () => {
    for (const f of [...Object.values(serverFields), username, email, password]) showError(f, undefined);
    formError.textContent = '';
  };

  const targetOf = (chosen: Preset, path: string): Field | undefined => {
    if (path === 'server') return chosen.serverErrorField ? serverFields[chosen.serverErrorField] : undefined;
    return ({ username, email, password } as Record<string, Field>)[path];
  };

  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'add-title', novalidate: true },
    h('h2', { id: 'add-title' }, 'Add a credential'),
    presetField.wrapper,
    serverBox,
    username.wrapper,
    fixedUser,
    email.wrapper,
    passwordBox,
    h('div', { class: 'check' }, verify, h('label', { for: verify.id }, 'Verify the login with the registry before saving')),
    formError,
    submit,
  );
  preset.addEventListener('change', render);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void send();
  });

  async function send() {
    clearErrors();
    const chosen = presetById(preset.value);
    const values = Object.fromEntries(Object.entries(serverFields).map(([name, f]) => [name, f.input.value]));
    const missing = Object.values(serverFields).find((f) => f.input.value.trim() === '');
    if (missing) return fail(missing, 'is required');
    const user = chosen.username ?? (username.input.value.trim() || null);
    const secret = password.input.value;
    if (secret === '') return fail(password, 'is required');
    const keyProblem = chosen.keyFile ? googleKeyProblem(user, secret) : undefined;
    if (keyProblem) return fail(password, keyProblem);
    submit.disabled = true;
    submit.textContent = verify.checked ? 'Verifying and saving…' : 'Saving…';
    try {
      const body = { server: chosen.server(values), username: user, email: email.input.value.trim() || null, password: secret };
      const created = await api.add(project(), body, verify.checked);
      password.input.value = '';
      onAdded(`Added ${created.server} (${created.id}).`);
      form.reset();
      render();
    } catch (error) {
      showApiError(error, chosen);
    } finally {
      submit.disabled = false;
      submit.textContent = 'Add credential';
    }
  }

  function fail(target: Field, message: string) {
    showError(target, message);
    target.input.focus();
  }

  function showApiError(error: unknown, chosen: Preset) {
    if (!(error instanceof ApiError)) throw error;
    const unplaced: string[] = [];
    let first: Field | undefined;
    for (const issue of error.body?.issues ?? []) {
      const target = targetOf(chosen, issue.path);
      if (target) {
        showError(target, issue.message);
        first ??= target;
      } else unplaced.push(`${issue.path} ${issue.message}`);
    }
    formError.textContent = first && unplaced.length === 0 ? '' : [error.message, error.body?.detail].filter(Boolean).join(' ');
    first?.input.focus();
  }

  render();
  return form;
}

function keyFilePicker(target: Field): HTMLElement {
  const file = h('input', { type: 'file', accept: 'application/json,.json' });
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    void chosen.text().then((text) => {
      target.input.value = text.trim();
      showError(target, googleKeyProblem(googleKeyUsernames.json, target.input.value));
    });
  });
  return field('Or choose the key file', file).wrapper;
}
