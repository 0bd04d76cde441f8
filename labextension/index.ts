/**
 * hubmagic's JupyterLab / Notebook 7 extension: the "Hub" panel in the right area and
 * the "Include in / Exclude from train script" cell actions.
 *
 * A face over the kernel's NotebookSession: every notebook gets a HubConnection to its
 * kernel, the panel shows the active notebook's one.
 */

import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { LabIcon } from '@jupyterlab/ui-components';

import { chooseForScript, CellMarks, notebookForcedCells } from './cells';
import { HubConnection } from './connection';
import { HubPanel } from './panel';
import { EXCLUDE_TAG, INCLUDE_TAG } from './state';

const PLUGIN_ID = 'hubmagic:plugin';

export const CommandIDs = {
  include: 'hubmagic:include-cell',
  exclude: 'hubmagic:exclude-cell',
  open: 'hubmagic:open-panel'
};

const hubIcon = new LabIcon({
  name: 'hubmagic:hub',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161">' +
    '<path d="M12 2 3 7v10l9 5 9-5V7l-9-5zm0 2.3 6.8 3.8L12 11.8 5.2 8.1 12 4.3zM5 9.8l6 3.3v6.6l-6-3.3V9.8zm8 9.9v-6.6l6-3.3v6.6l-6 3.3z"/></g></svg>'
});

const includeIcon = new LabIcon({
  name: 'hubmagic:include',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161">' +
    '<path d="M19 3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V5a2 2 0 0 0-2-2zm-2 10h-4v4h-2v-4H7v-2h4V7h2v4h4v2z"/></g></svg>'
});

const excludeIcon = new LabIcon({
  name: 'hubmagic:exclude',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161">' +
    '<path d="M19 3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V5a2 2 0 0 0-2-2zm-2 10H7v-2h10v2z"/></g></svg>'
});

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'The Hub panel and the train-script cell actions of hubmagic.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    settings: ISettingRegistry | null
  ) => {
    const connections = new Map<NotebookPanel, HubConnection>();
    const panel = new HubPanel();
    panel.title.icon = hubIcon;
    // JupyterLab and Notebook 7 both have a right area.
    app.shell.add(panel, 'right', { rank: 900 });

    const follow = (notebook: NotebookPanel | null) => {
      panel.setConnection(notebook ? connections.get(notebook) ?? null : null);
      panel.saveNotebook = notebook ? () => notebook.context.save() : null;
    };

    tracker.widgetAdded.connect((_, notebook) => {
      const connection = new HubConnection(notebook.sessionContext, () => notebookForcedCells(notebook));
      const marks = new CellMarks(notebook, connection);
      connections.set(notebook, connection);
      notebook.disposed.connect(() => {
        marks.dispose();
        connection.dispose();
        connections.delete(notebook);
        if (tracker.currentWidget === null || tracker.currentWidget === notebook) {
          follow(null);
        }
      });
      if (tracker.currentWidget === notebook) {
        follow(notebook);
      }
    });
    tracker.currentChanged.connect((_, notebook) => follow(notebook));
    follow(tracker.currentWidget);

    const choose = (choice: 'include' | 'exclude') => {
      const notebook = tracker.currentWidget;
      const cell = tracker.activeCell;
      if (!notebook || !cell || cell.model.type !== 'code') {
        return;
      }
      const tags = chooseForScript(cell.model, choice);
      const connection = connections.get(notebook);
      if (!connection?.state.loaded) {
        return; // the tag is kept in the notebook; the kernel reads it when hubmagic connects
      }
      const chosen = choice === 'include' ? INCLUDE_TAG : EXCLUDE_TAG;
      if (tags.includes(chosen)) {
        connection.send({ type: choice, payload: { cells: [cell.model.id] } });
      } else {
        // A choice taken back: the kernel forgets every choice and takes the notebook's tags.
        connection.send({ type: 'cells', payload: notebookForcedCells(notebook) });
      }
      connection.notify(); // marks follow the tag at once
    };
    const isTagged = (tag: string) => {
      const cell = tracker.activeCell;
      const tags = cell?.model.getMetadata('tags');
      return Array.isArray(tags) && tags.includes(tag);
    };
    const isCodeCell = () => tracker.activeCell?.model.type === 'code';

    app.commands.addCommand(CommandIDs.include, {
      label: 'Include in train script',
      caption: 'Always keep this cell in train.py (cell tag hub:include); again to let hubmagic decide',
      icon: args => (args.toolbar ? includeIcon : undefined),
      isToggled: () => isTagged(INCLUDE_TAG),
      isVisible: isCodeCell,
      execute: () => choose('include')
    });
    app.commands.addCommand(CommandIDs.exclude, {
      label: 'Exclude from train script',
      caption: 'Never put this cell in train.py (cell tag hub:exclude); again to let hubmagic decide',
      icon: args => (args.toolbar ? excludeIcon : undefined),
      isToggled: () => isTagged(EXCLUDE_TAG),
      isVisible: isCodeCell,
      execute: () => choose('exclude')
    });
    app.commands.addCommand(CommandIDs.open, {
      label: 'Hub Panel',
      caption: 'Show the Hub panel: this notebook\'s model repository, train script and push',
      execute: () => app.shell.activateById(panel.id)
    });

    if (settings) {
      // Loading our schema is what puts the cell-toolbar and context-menu items in place.
      void settings.load(PLUGIN_ID).catch(reason => console.warn('hubmagic: settings', reason));
    }
  }
};

export default plugin;
