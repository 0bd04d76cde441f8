import { EMPTY_SNAPSHOT, parseKernelMessage, PROTOCOL_VERSION } from '../protocol';
import {
  forcedCells,
  formatSize,
  INITIAL_STATE,
  IPanelState,
  PanelEvent,
  pushProgress,
  reduce,
  toggleTag
} from '../state';

const message = (type: string, payload: object, version = PROTOCOL_VERSION): PanelEvent => ({
  kind: 'received',
  parsed: parseKernelMessage({ type, version, payload })
});

const run = (...events: PanelEvent[]): IPanelState => events.reduce(reduce, INITIAL_STATE);

describe('reduce', () => {
  it('goes from a new kernel to a loaded session and applies updates on top', () => {
    const state = run(
      { kind: 'kernel', status: 'ready' },
      { kind: 'probing' },
      message('state', { repo_id: 'user/iris', folder: 'hub/model', files: [{ path: 'a', size: 1, lfs: false, change: 'added' }] }),
      message('update', { warnings: ['license missing'] })
    );
    expect(state.loaded).toBe(true);
    expect(state.snapshot.repo_id).toBe('user/iris');
    expect(state.snapshot.files).toHaveLength(1);
    expect(state.snapshot.warnings).toEqual(['license missing']);
    expect(state.snapshot.figures).toEqual([]);
  });

  it('a state message replaces the snapshot: nothing of a previous one remains', () => {
    const state = run(
      message('state', { repo_id: 'user/a', warnings: ['x'] }),
      message('state', { repo_id: 'user/b' })
    );
    expect(state.snapshot).toEqual({ ...EMPTY_SNAPSHOT, repo_id: 'user/b' });
  });

  it('a restart forgets the session and waits; a kernel without hubmagic is "not loaded"', () => {
    const loaded = run(message('state', { repo_id: 'user/a', folder: 'hub/a' }));
    const restarting = reduce(loaded, { kind: 'kernel', status: 'restarting' });
    expect(restarting.loaded).toBeNull();
    expect(restarting.snapshot).toEqual(EMPTY_SNAPSHOT);
    const after = [{ kind: 'kernel', status: 'ready' } as PanelEvent, { kind: 'unloaded' } as PanelEvent]
      .reduce(reduce, restarting);
    expect(after.loaded).toBe(false);
    expect(after.kernel).toBe('ready');
    expect(reduce(loaded, { kind: 'kernel', status: 'dead' }).loaded).toBe(false);
    expect(reduce(loaded, { kind: 'kernel', status: 'none' }).loaded).toBe(false);
  });

  it('an action is pending until its result, whose message becomes the notice', () => {
    const sent = run(message('state', { folder: 'hub/a' }), { kind: 'sent', action: 'push' });
    expect(sent.pending).toBe('push');
    const failed = reduce(sent, message('result', { action: 'push', ok: false, message: 'The remote changed.' }));
    expect(failed.pending).toBeNull();
    expect(failed.notice).toEqual({ kind: 'error', text: 'The remote changed.' });
    const done = reduce(sent, message('result', { action: 'push', ok: true, message: 'Pushed.' }));
    expect(done.notice).toEqual({ kind: 'info', text: 'Pushed.' });
    expect(reduce(sent, { kind: 'failed', action: 'push', text: 'not loaded' }).pending).toBeNull();
  });

  it('a message of another protocol version is shown, the snapshot kept', () => {
    const loaded = run(message('state', { repo_id: 'user/a' }));
    const state = reduce(loaded, message('update', { repo_id: 'user/b' }, 99));
    expect(state.snapshot.repo_id).toBe('user/a');
    expect(state.notice?.kind).toBe('error');
    expect(state.notice?.text).toContain('version 99');
  });

  it('hello marks hubmagic loaded and keeps its version', () => {
    const state = run(message('hello', { hubmagic_version: '0.1.0' }));
    expect(state.loaded).toBe(true);
    expect(state.snapshot.hubmagic_version).toBe('0.1.0');
  });
});

describe('pushProgress', () => {
  const withPush = (push_state: object) => ({ ...EMPTY_SNAPSHOT, push_state });
  it('is null when idle or failed, 100 when done, bytes done otherwise', () => {
    expect(pushProgress(withPush({}))).toBeNull();
    expect(pushProgress(withPush({ phase: 'idle' }))).toBeNull();
    expect(pushProgress(withPush({ phase: 'error' }))).toBeNull();
    expect(pushProgress(withPush({ phase: 'uploading', bytes_done: 25, bytes_total: 100 }))).toBe(25);
    expect(pushProgress(withPush({ phase: 'hashing', bytes_done: 0, bytes_total: 0 }))).toBe(0);
    expect(pushProgress(withPush({ phase: 'uploading', bytes_done: 150, bytes_total: 100 }))).toBe(100);
    expect(pushProgress(withPush({ phase: 'done' }))).toBe(100);
  });
});

describe('cell choices', () => {
  it('toggles a choice, replacing the other one and keeping free tags', () => {
    expect(toggleTag([], 'exclude')).toEqual(['hub:exclude']);
    expect(toggleTag(['x', 'hub:include'], 'exclude')).toEqual(['x', 'hub:exclude']);
    expect(toggleTag(['x', 'hub:exclude'], 'exclude')).toEqual(['x']);
  });

  it('collects the forced cells by id, exclude winning over include', () => {
    expect(
      forcedCells([
        { id: 'a', tags: ['hub:include'] },
        { id: 'b', tags: ['hub:exclude'] },
        { id: 'c', tags: ['hub:include', 'hub:exclude'] },
        { id: 'd', tags: [] }
      ])
    ).toEqual({ include: ['a'], exclude: ['b', 'c'] });
  });

  it('formats sizes as the Hub does', () => {
    expect(formatSize(999)).toBe('999 B');
    expect(formatSize(1234)).toBe('1.2 kB');
    expect(formatSize(45_000_000)).toBe('45 MB');
  });
});
