/**
 * The "Hub" side panel: the active notebook's NotebookSession, and its actions.
 *
 * Plain DOM rebuilt from the state on every change: the state is small, and
 * rebuilding keeps the view a pure function of what the kernel last said.
 */

import { Widget } from '@lumino/widgets';

import { HubConnection } from './connection';
import { IFigure, IRepoFile, ISnapshot } from './protocol';
import { formatSize, IPanelState, pushProgress } from './state';

type Child = Node | string | null | undefined | false;

function h(
  tag: string,
  attrs: Record<string, string | boolean | number | undefined> = {},
  ...children: Child[]
): HTMLElement {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) {
      continue;
    }
    node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) {
      node.append(child);
    }
  }
  return node;
}

export class HubPanel extends Widget {
  constructor() {
    super();
    this.id = 'hubmagic-panel';
    this.title.caption = 'Hub: publish this notebook\'s model';
    this.title.label = 'Hub';
    this.addClass('hubmagic-panel');
    this.render();
  }

  /** Show `connection`'s notebook (null: no notebook is active). */
  setConnection(connection: HubConnection | null): void {
    if (connection === this._connection) {
      return;
    }
    this._connection?.stateChanged.disconnect(this.render, this);
    this._connection = connection;
    connection?.stateChanged.connect(this.render, this);
    this.render();
  }

  get connection(): HubConnection | null {
    return this._connection;
  }

  /** Set before a push or publish so the notebook on disk is the one shown. */
  saveNotebook: (() => Promise<void>) | null = null;

  render(): void {
    const node = this.node;
    node.replaceChildren();
    const connection = this._connection;
    if (!connection || connection.isDisposed) {
      node.append(h('p', { class: 'hubmagic-empty' }, 'Open a notebook to publish its model.'));
      return;
    }
    const state = connection.state;
    node.append(
      h('header', { class: 'hubmagic-header' },
        h('h2', {}, 'Hub'),
        h('span', { class: 'hubmagic-notebook', title: state.notebook ?? '' }, state.notebook ?? '')
      )
    );
    node.append(...this._body(state));
    if (state.notice) {
      node.append(
        h('p', { class: `hubmagic-notice hubmagic-notice-${state.notice.kind}`, role: 'status' }, state.notice.text)
      );
    }
  }

  private _body(state: IPanelState): HTMLElement[] {
    if (state.kernel === 'none' || state.kernel === 'dead') {
      return [h('p', { class: 'hubmagic-status' },
        state.kernel === 'dead'
          ? 'The kernel died: restart it (Kernel > Restart Kernel).'
          : 'This notebook has no kernel: choose one (Kernel > Change Kernel).')];
    }
    if (state.loaded === null) {
      return [h('p', { class: 'hubmagic-status hubmagic-connecting' },
        state.kernel === 'restarting' ? 'The kernel is restarting…' : 'Asking the kernel…')];
    }
    if (!state.loaded) {
      const button = h('button', { class: 'jp-Button jp-mod-styled jp-mod-accept hubmagic-load' },
        'Load hubmagic');
      button.addEventListener('click', () => this._connection?.loadExtension());
      return [
        h('div', { class: 'hubmagic-not-loaded' },
          h('p', {}, 'hubmagic is not loaded in this notebook\'s kernel. Run ',
            h('code', {}, '%load_ext hubmagic'), ' in a cell, or:'),
          button)
      ];
    }
    const snap = state.snapshot;
    if (!snap.folder) {
      return [
        h('div', { class: 'hubmagic-no-repo' },
          h('p', {}, 'No model repository yet. Train a model, then run ',
            h('code', {}, '%hub_init MODEL --data X_test --labels y_test'),
            ' in a cell.'),
          this._button('Refresh', 'hubmagic-refresh', state, () => this._send({ type: 'refresh', payload: {} })))
      ];
    }
    return [
      this._repository(snap),
      this._files(snap.files),
      this._card(snap),
      this._figures(snap.figures, state),
      this._script(snap, state),
      this._push(snap, state)
    ].filter((section): section is HTMLElement => section !== null);
  }

  private _repository(snap: ISnapshot): HTMLElement {
    return h('section', { class: 'hubmagic-repository' },
      h('dl', {},
        h('dt', {}, 'Repository'), h('dd', { class: 'hubmagic-repo-id' }, snap.repo_id ?? '(your namespace, known at push)'),
        h('dt', {}, 'Folder'), h('dd', { class: 'hubmagic-folder' }, snap.folder ?? ''),
        snap.model_name ? h('dt', {}, 'Model') : null,
        snap.model_name ? h('dd', { class: 'hubmagic-model' }, h('code', {}, snap.model_name)) : null));
  }

  private _files(files: IRepoFile[]): HTMLElement {
    const rows = files.map(file =>
      h('tr', { 'data-path': file.path, class: `hubmagic-change-${file.change}` },
        h('td', { class: 'hubmagic-file-path' }, file.path, file.lfs ? h('span', { class: 'hubmagic-lfs', title: 'stored with Git LFS' }, ' LFS') : null),
        h('td', { class: 'hubmagic-file-size' }, formatSize(file.size)),
        h('td', { class: 'hubmagic-file-change' }, file.change)));
    return h('section', { class: 'hubmagic-files' },
      h('h3', {}, `Files (${files.length})`),
      h('table', {}, h('tbody', {}, ...rows)));
  }

  private _card(snap: ISnapshot): HTMLElement {
    const warnings = snap.warnings;
    return h('section', { class: 'hubmagic-card' },
      h('h3', {}, 'Model card'),
      warnings.length === 0
        ? h('p', { class: 'hubmagic-card-complete' }, 'Complete: license set, no placeholder left.')
        : h('ul', { class: 'hubmagic-warnings' }, ...warnings.map(text => h('li', {}, text))));
  }

  private _figures(figures: IFigure[], state: IPanelState): HTMLElement | null {
    if (figures.length === 0) {
      return null;
    }
    const items = figures.map(figure => {
      const box = h('input', { type: 'checkbox', checked: figure.include, disabled: !!state.pending, 'data-figure': figure.name }) as HTMLInputElement;
      box.addEventListener('change', () => {
        const choice = box.checked ? 'include' : 'exclude';
        this._send({ type: 'figures', payload: { include: choice === 'include' ? [figure.name] : [], exclude: choice === 'exclude' ? [figure.name] : [] } });
      });
      return h('li', { class: 'hubmagic-figure' + (figure.stale ? ' hubmagic-stale' : '') },
        figure.thumbnail ? h('img', { src: figure.thumbnail, alt: figure.caption ?? figure.name }) : null,
        h('label', {}, box, ` ${figure.name}`),
        figure.stale ? h('span', { class: 'hubmagic-stale-note' }, ' drawn before the model changed') : null);
    });
    return h('section', { class: 'hubmagic-figures' }, h('h3', {}, 'Figures'), h('ul', {}, ...items));
  }

  private _script(snap: ISnapshot, state: IPanelState): HTMLElement {
    const verdict = snap.verdict;
    const text =
      verdict.verified === true
        ? 'Verified: train.py rebuilds the model.'
        : verdict.verified === false
          ? `Not reproducible: ${verdict.reason ?? ''}`
          : 'Not verified yet.';
    const kept = snap.script.kept_cells ?? [];
    return h('section', { class: 'hubmagic-script' },
      h('h3', {}, 'train.py'),
      h('p', { class: 'hubmagic-kept' }, kept.length ? `Keeps cells ${kept.map(c => `In[${c}]`).join(', ')}` : 'Keeps no cell yet.'),
      snap.script.summary ? h('p', { class: 'hubmagic-summary' }, snap.script.summary) : null,
      h('p', { class: `hubmagic-verdict hubmagic-verdict-${String(verdict.verified ?? 'none')}` }, text),
      this._button('Verify', 'hubmagic-verify', state, () => this._send({ type: 'verify', payload: {} })));
  }

  private _push(snap: ISnapshot, state: IPanelState): HTMLElement {
    const push = snap.push_state;
    const percent = pushProgress(snap);
    const result = push.result;
    return h('section', { class: 'hubmagic-push-section' },
      h('h3', {}, 'Publish'),
      h('div', { class: 'hubmagic-buttons' },
        this._button('Push', 'hubmagic-push jp-mod-accept', state, () => this._withSave('push')),
        this._button('Publish notebook', 'hubmagic-publish-notebook', state, () => this._withSave('publish-notebook')),
        this._button('Refresh', 'hubmagic-refresh', state, () => this._send({ type: 'refresh', payload: {} }))),
      percent === null ? null : h('div', { class: 'hubmagic-progress-row', 'data-phase': push.phase },
        h('progress', { class: 'hubmagic-progress', max: 100, value: percent }),
        h('span', { class: 'hubmagic-phase' }, `${push.phase} ${percent}%${push.path ? ` ${push.path}` : ''}`)),
      push.phase === 'error' && push.error ? h('p', { class: 'hubmagic-push-error' }, push.error) : null,
      result ? h('p', { class: 'hubmagic-last-push' }, 'Last push: ',
        h('a', { href: result.pr_url || result.commit_url || '#', target: '_blank', rel: 'noopener' },
          result.pr_url || result.commit_url || result.repo_id || ''),
        result.commit ? h('code', { class: 'hubmagic-commit' }, ` ${result.commit.slice(0, 10)}`) : null) : null);
  }

  private _button(label: string, cls: string, state: IPanelState, onClick: () => void): HTMLElement {
    const button = h('button', { class: `jp-Button jp-mod-styled ${cls}`, disabled: !!state.pending }, label);
    button.addEventListener('click', onClick);
    return button;
  }

  private async _withSave(type: 'push' | 'publish-notebook'): Promise<void> {
    if (type === 'publish-notebook' && this.saveNotebook) {
      await this.saveNotebook(); // the published copy is the notebook as last saved
    }
    this._send({ type, payload: {} });
  }

  private _send(action: Parameters<HubConnection['send']>[0]): void {
    this._connection?.send(action);
  }

  private _connection: HubConnection | null = null;
}
