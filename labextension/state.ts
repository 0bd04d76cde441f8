/**
 * What the Hub panel shows for one notebook, and how each event changes it.
 *
 * The kernel's NotebookSession is the only source of truth: this state is its last
 * known snapshot plus what the panel knows about the kernel itself (starting,
 * restarting, hubmagic loaded or not) and the action it is waiting for.
 */

import {
  EMPTY_SNAPSHOT,
  ISnapshot,
  KernelMessage,
  ParseResult
} from './protocol';

export type KernelStatus = 'none' | 'starting' | 'ready' | 'restarting' | 'dead';

export interface INotice {
  kind: 'info' | 'error';
  text: string;
}

export interface IPanelState {
  notebook: string | null;
  kernel: KernelStatus;
  /** Is hubmagic loaded in the kernel? `null` while the panel is asking. */
  loaded: boolean | null;
  snapshot: ISnapshot;
  /** The action sent and not answered yet. */
  pending: string | null;
  notice: INotice | null;
}

export const INITIAL_STATE: IPanelState = {
  notebook: null,
  kernel: 'none',
  loaded: null,
  snapshot: EMPTY_SNAPSHOT,
  pending: null,
  notice: null
};

export type PanelEvent =
  | { kind: 'notebook'; path: string | null }
  | { kind: 'kernel'; status: KernelStatus }
  | { kind: 'probing' }
  | { kind: 'unloaded' }
  | { kind: 'received'; parsed: ParseResult }
  | { kind: 'sent'; action: string }
  | { kind: 'failed'; action: string; text: string };

const NOT_LOADED: Pick<IPanelState, 'loaded' | 'snapshot' | 'pending'> = {
  loaded: false,
  snapshot: EMPTY_SNAPSHOT,
  pending: null
};

export function reduce(state: IPanelState, event: PanelEvent): IPanelState {
  switch (event.kind) {
    case 'notebook':
      return { ...state, notebook: event.path };
    case 'kernel':
      if (event.status === 'ready') {
        return { ...state, kernel: 'ready' };
      }
      // A kernel that starts, restarts or died has lost hubmagic and its session.
      return {
        ...state,
        ...NOT_LOADED,
        loaded: event.status === 'starting' || event.status === 'restarting' ? null : false,
        kernel: event.status,
        notice: null
      };
    case 'probing':
      return { ...state, loaded: null };
    case 'unloaded':
      return { ...state, ...NOT_LOADED };
    case 'sent':
      return { ...state, pending: event.action, notice: null };
    case 'failed':
      return { ...state, pending: null, notice: { kind: 'error', text: event.text } };
    case 'received':
      if (!event.parsed.ok) {
        return { ...state, pending: null, notice: { kind: 'error', text: event.parsed.error } };
      }
      return receive(state, event.parsed.message);
  }
}

function receive(state: IPanelState, message: KernelMessage): IPanelState {
  switch (message.type) {
    case 'hello':
      return {
        ...state,
        loaded: true,
        snapshot: { ...state.snapshot, hubmagic_version: message.payload.hubmagic_version ?? null }
      };
    case 'state':
      return { ...state, loaded: true, snapshot: { ...EMPTY_SNAPSHOT, ...message.payload } };
    case 'update':
      return { ...state, loaded: true, snapshot: { ...state.snapshot, ...message.payload } };
    case 'result': {
      const { ok, message: text } = message.payload;
      return {
        ...state,
        pending: null,
        notice: text ? { kind: ok ? 'info' : 'error', text } : null
      };
    }
    case 'error':
      return { ...state, pending: null, notice: { kind: 'error', text: message.payload.message } };
  }
}

/** Percentage of the push done, or null when nothing is being pushed. */
export function pushProgress(snapshot: ISnapshot): number | null {
  const { phase, bytes_done = 0, bytes_total = 0 } = snapshot.push_state;
  if (!phase || phase === 'idle' || phase === 'error') {
    return null;
  }
  if (phase === 'done') {
    return 100;
  }
  if (bytes_total <= 0) {
    return 0;
  }
  return Math.min(100, Math.round((100 * bytes_done) / bytes_total));
}

/** `1.2 kB`, `3.4 MB`: sizes as the Hub shows them (powers of 1000). */
export function formatSize(bytes: number): string {
  if (bytes < 1000) {
    return `${bytes} B`;
  }
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** The cell tags that force a cell into or out of train.py. */
export const INCLUDE_TAG = 'hub:include';
export const EXCLUDE_TAG = 'hub:exclude';

/**
 * The tags of a cell after the user chose `choice` for it: choosing what the cell
 * already has clears it (the slicer decides again), otherwise the other choice is
 * replaced.
 */
export function toggleTag(tags: readonly string[], choice: 'include' | 'exclude'): string[] {
  const wanted = choice === 'include' ? INCLUDE_TAG : EXCLUDE_TAG;
  const had = tags.includes(wanted);
  const rest = tags.filter(tag => tag !== INCLUDE_TAG && tag !== EXCLUDE_TAG);
  return had ? rest : [...rest, wanted];
}

/** The ids of the cells tagged include / exclude, as the kernel's recorder takes them. */
export function forcedCells(
  cells: Iterable<{ id: string; tags: readonly string[] }>
): { include: string[]; exclude: string[] } {
  const include: string[] = [];
  const exclude: string[] = [];
  for (const cell of cells) {
    if (cell.tags.includes(EXCLUDE_TAG)) {
      exclude.push(cell.id);
    } else if (cell.tags.includes(INCLUDE_TAG)) {
      include.push(cell.id);
    }
  }
  return { include, exclude };
}
