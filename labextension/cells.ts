/**
 * The train script on the notebook itself: the `hub:include` / `hub:exclude` tags a
 * user sets on a cell, and marks on the cells `train.py` keeps.
 */

import { ICellModel } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';

import { HubConnection } from './connection';
import { EXCLUDE_TAG, forcedCells, INCLUDE_TAG, toggleTag } from './state';

export function cellTags(cell: ICellModel): string[] {
  const tags = cell.getMetadata('tags');
  return Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === 'string') : [];
}

/** Toggle the user's choice on `cell`; returns the cell's new tags. */
export function chooseForScript(cell: ICellModel, choice: 'include' | 'exclude'): string[] {
  const tags = toggleTag(cellTags(cell), choice);
  if (tags.length) {
    cell.setMetadata('tags', tags);
  } else {
    cell.deleteMetadata('tags');
  }
  return tags;
}

/** The notebook's forced cells, as the kernel's recorder takes them (cell ids). */
export function notebookForcedCells(panel: NotebookPanel): { include: string[]; exclude: string[] } {
  const model = panel.content.model;
  if (!model) {
    return { include: [], exclude: [] };
  }
  const cells = [];
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    cells.push({ id: cell.id, tags: cellTags(cell) });
  }
  return forcedCells(cells);
}

/**
 * Keeps the marks of a notebook's cells in step with its tags and with the cells the
 * kernel's `train.py` keeps.
 */
export class CellMarks {
  constructor(
    private readonly panel: NotebookPanel,
    private readonly connection: HubConnection
  ) {
    connection.stateChanged.connect(this.update, this);
    panel.content.modelContentChanged.connect(this.update, this);
    panel.content.model?.cells.changed.connect(this.update, this);
    this.update();
  }

  update(): void {
    if (this.panel.isDisposed) {
      return;
    }
    const state = this.connection.state;
    const kept = new Set(state.loaded ? state.snapshot.script.kept_cell_ids ?? [] : []);
    for (const widget of this.panel.content.widgets) {
      const model = widget.model;
      const tags = cellTags(model);
      const isCode = model.type === 'code';
      widget.toggleClass('hubmagic-kept', isCode && kept.has(model.id));
      widget.toggleClass('hubmagic-forced-include', isCode && tags.includes(INCLUDE_TAG));
      widget.toggleClass('hubmagic-forced-exclude', isCode && tags.includes(EXCLUDE_TAG));
    }
  }

  dispose(): void {
    this.connection.stateChanged.disconnect(this.update, this);
  }
}
