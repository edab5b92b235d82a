// What consumers need: snippets with no password, and the pull secret only on an explicit reveal.
import { goMarshal } from '../common/go-json.ts';
import { defaultSecretName, pullSecretManifest, pullSecretYaml } from '../common/pull-secret-yaml.ts';
import { ApiError, type Api } from './api.ts';
import { copyText, h } from './dom.ts';
import { credHelpersSnippet, kubeletMatchImages, kubeletProviderConfig, pullSecretCommand } from './snippets.ts';

function snippet(title: string, text: string): HTMLElement {
  const copy = h('button', { type: 'button', class: 'secondary' }, 'Copy');
  copy.addEventListener('click', () => void copyText(text, copy));
  const label = `Copy: ${title}`;
  copy.setAttribute('aria-label', label);
  return h('section', { class: 'snippet' }, h('h3', {}, title), h('pre', { tabindex: '0', 'aria-label': title }, text), copy);
}

function base64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function consumersPanel(api: Api, project: string, endpoint: string, registries: readonly string[]): HTMLElement {
  const revealed = h('div');
  const error = h('p', { class: 'error', role: 'alert' });
  const reveal = h('button', { type: 'button' }, 'Reveal pull secret');
  reveal.addEventListener('click', () => {
    void (async () => {
      error.textContent = '';
      try {
        const config = await api.dockerConfig(project);
        const yaml = pullSecretYaml(pullSecretManifest(base64(goMarshal(config)), { name: defaultSecretName }));
        const hide = h('button', { type: 'button', class: 'secondary', onclick: () => revealed.replaceChildren() }, 'Hide pull secret');
        revealed.replaceChildren(snippet('Pull secret (contains the passwords)', yaml), hide);
        hide.focus();
      } catch (failure) {
        if (!(failure instanceof ApiError)) throw failure;
        error.textContent = failure.message;
      }
    })();
  });
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'consumers-title' },
    h('h2', { id: 'consumers-title' }, 'Use the credentials'),
    snippet('Kubernetes pull secret: run', pullSecretCommand({ project })),
    h('p', { class: 'hint' }, 'Revealing the pull secret reads every password of the project; the API audits it.'),
    reveal,
    error,
    revealed,
    ...(registries.length === 0
      ? // An empty credHelpers is no use, and the kubelet refuses a provider whose matchImages is empty.
        [h('p', { class: 'hint' }, 'Add a credential first: the docker credHelpers entries and the kubelet provider\'s matchImages list the registries of this project\'s credentials, and there are none yet.')]
      : [
          snippet('docker ~/.docker/config.json', credHelpersSnippet(registries)),
          snippet('kubelet credential provider', kubeletProviderConfig({ matchImages: kubeletMatchImages(registries), project, endpoint })),
        ]),
  );
}
