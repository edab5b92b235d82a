// Rotate and delete, each in a modal <dialog> (focus moves in and back, Escape cancels).
import { ApiError, type Api } from './api.ts';
import { field, h, showError } from './dom.ts';
import type { Credential } from '../functions/contract/schemas.ts';

function modal(title: string, ...content: Node[]): HTMLDialogElement {
  const titleId = `dialog-title-${Math.random().toString(36).slice(2)}`;
  const dialog = h('dialog', { 'aria-labelledby': titleId }, h('h2', { id: titleId }, title), ...content);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

const cancelButton = (dialog: () => HTMLDialogElement) => h('button', { type: 'button', class: 'secondary', onclick: () => dialog().close() }, 'Cancel');

export function rotateDialog(api: Api, project: string, item: Credential, done: (message: string) => void): void {
  const password = field('New password', h('input', { type: 'password', name: 'new-password', autocomplete: 'new-password', required: true }));
  const formError = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit' }, 'Rotate password');
  const form = h('form', { method: 'dialog', novalidate: true }, password.wrapper, formError, h('div', { class: 'actions' }, submit, cancelButton(() => dialog)));
  const dialog = modal(`Rotate the password of ${item.server}`, h('p', {}, `Version ${item.version}: the update applies only if nobody changed it since.`), form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      showError(password, undefined);
      formError.textContent = '';
      if (password.input.value === '') return showError(password, 'is required');
      submit.disabled = true;
      try {
        const updated = await api.rotate(project, item.id, item.version, password.input.value);
        password.input.value = '';
        dialog.close();
        done(`Rotated the password of ${updated.server} (now version ${updated.version}).`);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        const issue = error.body?.issues?.find((i) => i.path === 'password');
        if (issue) showError(password, issue.message);
        else formError.textContent = error.message;
      } finally {
        submit.disabled = false;
      }
    })();
  });
}

export function deleteDialog(api: Api, project: string, item: Credential, done: (message: string) => void): void {
  const formError = h('p', { class: 'error', role: 'alert' });
  const confirm = h('button', { type: 'submit', class: 'danger' }, `Delete ${item.server}`);
  const form = h('form', { method: 'dialog' }, formError, h('div', { class: 'actions' }, cancelButton(() => dialog), confirm));
  const dialog = modal(
    `Delete the credential for ${item.server}?`,
    h('p', {}, `Pulls from ${item.server} that use this credential (${item.id}) will fail once it is gone.`),
    form,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      confirm.disabled = true;
      try {
        await api.remove(project, item.id);
        dialog.close();
        done(`Deleted the credential for ${item.server}.`);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        formError.textContent = error.message;
      } finally {
        confirm.disabled = false;
      }
    })();
  });
}
