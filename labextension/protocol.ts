/**
 * The messages the Hub panel and the kernel's hubmagic exchange on the `hubmagic` comm.
 *
 * Every message is `{type, version, payload}`. The version changes whenever a message's
 * meaning changes, so a panel and a kernel from different hubmagic releases say so
 * instead of misreading each other. The Python side is `hubmagic/notebook/_comm.py`.
 *
 * Pure module (no JupyterLab import) so that jest tests it in node.
 */

export const COMM_TARGET = 'hubmagic';
export const PROTOCOL_VERSION = 1;

/** One file of the local repository, with what changed since the last push. */
export interface IRepoFile {
  path: string;
  size: number;
  lfs: boolean;
  change: 'added' | 'modified' | 'deleted' | 'unchanged' | 'unknown';
}

export interface IFigure {
  name: string;
  execution_count: number | null;
  caption: string | null;
  include: boolean;
  stale: boolean;
  path: string | null;
  /** A `data:image/png;base64,...` URL the kernel adds when the image is small enough. */
  thumbnail?: string | null;
}

export interface IScript {
  text?: string;
  kept_cells?: number[];
  kept_cell_ids?: string[];
  summary?: string;
}

export interface IVerdict {
  verified?: boolean | null;
  reason?: string;
  added_cells?: number[];
}

export interface IPushResult {
  repo_id?: string;
  commit_url?: string | null;
  pr_url?: string | null;
  commit?: string | null;
}

export interface IPushState {
  phase?: 'idle' | 'hashing' | 'uploading' | 'committing' | 'done' | 'error';
  bytes_done?: number;
  bytes_total?: number;
  path?: string | null;
  result?: IPushResult | null;
  error?: string | null;
}

/** The kernel's NotebookSession, as the panel shows it. */
export interface ISnapshot {
  hubmagic_version: string | null;
  model_name: string | null;
  repo_id: string | null;
  folder: string | null;
  files: IRepoFile[];
  warnings: string[];
  figures: IFigure[];
  script: IScript;
  verdict: IVerdict;
  push_state: IPushState;
  card_version: number;
}

export const EMPTY_SNAPSHOT: ISnapshot = {
  hubmagic_version: null,
  model_name: null,
  repo_id: null,
  folder: null,
  files: [],
  warnings: [],
  figures: [],
  script: {},
  verdict: {},
  push_state: {},
  card_version: 0
};

/** What the kernel sends. */
export type KernelMessage =
  | { type: 'hello'; payload: { hubmagic_version?: string } }
  | { type: 'state'; payload: Partial<ISnapshot> }
  | { type: 'update'; payload: Partial<ISnapshot> }
  | { type: 'result'; payload: { action: string; ok: boolean; message: string } }
  | { type: 'error'; payload: { message: string } };

/** What the panel asks the kernel to do. */
export type Action =
  | { type: 'init'; payload: { include: string[]; exclude: string[] } }
  | { type: 'refresh'; payload: Record<string, never> }
  | { type: 'push'; payload: Record<string, never> }
  | { type: 'publish-notebook'; payload: Record<string, never> }
  | { type: 'verify'; payload: Record<string, never> }
  | { type: 'include'; payload: { cells: string[] } }
  | { type: 'exclude'; payload: { cells: string[] } }
  | { type: 'cells'; payload: { include: string[]; exclude: string[] } }
  | { type: 'figures'; payload: { include: string[]; exclude: string[] } };

export type ActionType = Action['type'];

const KERNEL_TYPES = new Set(['hello', 'state', 'update', 'result', 'error']);

export type ParseResult =
  | { ok: true; message: KernelMessage }
  | { ok: false; error: string };

/**
 * Check a message from the kernel. A wrong version or shape gives the sentence the
 * panel shows, never an exception.
 */
export function parseKernelMessage(data: unknown): ParseResult {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, error: 'The kernel sent a message the Hub panel cannot read.' };
  }
  const { type, version, payload } = data as Record<string, unknown>;
  if (version !== PROTOCOL_VERSION) {
    return { ok: false, error: versionMismatch(version) };
  }
  if (typeof type !== 'string' || !KERNEL_TYPES.has(type)) {
    return {
      ok: false,
      error:
        `The kernel sent a "${String(type)}" message the Hub panel does not know: ` +
        'install the same hubmagic version in the kernel and in JupyterLab.'
    };
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { ok: false, error: `The kernel's "${type}" message has no payload.` };
  }
  return { ok: true, message: { type, payload } as KernelMessage };
}

/** The sentence shown when the kernel's hubmagic speaks another protocol version. */
export function versionMismatch(version: unknown): string {
  const theirs = typeof version === 'number' ? `version ${version}` : 'no version';
  return (
    `This kernel's hubmagic speaks panel protocol ${theirs}, this Hub panel speaks ` +
    `version ${PROTOCOL_VERSION}: install the same hubmagic release in the kernel's ` +
    'environment and in JupyterLab\'s (pip install -U hubmagic in both), then restart ' +
    'the kernel and reload the page.'
  );
}

/** The wire form of an action. */
export function encodeAction(action: Action): {
  type: string;
  version: number;
  payload: Record<string, unknown>;
} {
  return { type: action.type, version: PROTOCOL_VERSION, payload: { ...action.payload } };
}
