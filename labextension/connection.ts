/**
 * One notebook's link to hubmagic in its kernel: the `hubmagic` comm, kept across
 * kernel restarts and kernel changes.
 *
 * The panel opens the comm: when it meets a kernel, and when a cell naming hubmagic
 * runs while it is not loaded (the comm is queued behind that cell, so the kernel
 * answers once `%load_ext hubmagic` ran). A kernel without hubmagic closes it at once:
 * that is how "not loaded" is known. The target is also registered here, on every
 * kernel the notebook gets, for a kernel that opens the comm itself.
 */

import { ISessionContext } from '@jupyterlab/apputils';
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import {
  Action,
  COMM_TARGET,
  encodeAction,
  parseKernelMessage
} from './protocol';
import { INITIAL_STATE, IPanelState, PanelEvent, reduce } from './state';

export interface IForcedCells {
  include: string[];
  exclude: string[];
}

export class HubConnection {
  constructor(
    private readonly sessionContext: ISessionContext,
    private readonly forcedCells: () => IForcedCells
  ) {
    this._state = reduce(INITIAL_STATE, { kind: 'notebook', path: sessionContext.path });
    sessionContext.kernelChanged.connect(this._onKernelChanged, this);
    sessionContext.statusChanged.connect(this._onStatusChanged, this);
    sessionContext.propertyChanged.connect(this._onPathChanged, this);
    void sessionContext.ready.then(() => this._attach(sessionContext.session?.kernel ?? null));
  }

  get state(): IPanelState {
    return this._state;
  }

  get stateChanged(): ISignal<this, IPanelState> {
    return this._stateChanged;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Ask the kernel's hubmagic to do something; false when it is not reachable. */
  send(action: Action): boolean {
    if (!this._comm || this._comm.isDisposed) {
      this._dispatch({
        kind: 'failed',
        action: action.type,
        text: 'hubmagic is not loaded in this kernel: run `%load_ext hubmagic` first.'
      });
      return false;
    }
    this._dispatch({ kind: 'sent', action: action.type });
    this._comm.send(encodeAction(action) as any);
    return true;
  }

  /** Tell the views to look again (the notebook changed, not the kernel's state). */
  notify(): void {
    this._stateChanged.emit(this._state);
  }

  /** Run `%load_ext hubmagic` in the kernel; its comm then reaches us by the target. */
  loadExtension(): void {
    const kernel = this._kernel;
    if (!kernel) {
      this._dispatch({
        kind: 'failed',
        action: 'load',
        text: 'This notebook has no kernel: choose one (Kernel > Change Kernel), then load hubmagic.'
      });
      return;
    }
    const future = kernel.requestExecute({ code: '%load_ext hubmagic', store_history: false });
    this._probe(); // queued behind the load: answered once hubmagic is there
    future.onReply = reply => {
      const content = reply.content;
      if (content.status === 'error') {
        this._dispatch({
          kind: 'failed',
          action: 'load',
          text:
            `The kernel could not load hubmagic (${content.ename}: ${content.evalue}). ` +
            "Install it in the kernel's environment (`%pip install hubmagic` in a cell), " +
            'restart the kernel, then load it again.'
        });
        this._dispatch({ kind: 'unloaded' });
      }
    };
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._detach();
    Signal.clearData(this);
  }

  private _dispatch(event: PanelEvent): void {
    this._state = reduce(this._state, event);
    this._stateChanged.emit(this._state);
  }

  private _onKernelChanged(
    _: ISessionContext,
    change: { newValue: Kernel.IKernelConnection | null }
  ): void {
    this._attach(change.newValue);
  }

  private _onPathChanged(_: ISessionContext, property: string): void {
    if (property === 'path') {
      this._dispatch({ kind: 'notebook', path: this.sessionContext.path });
    }
  }

  private _onStatusChanged(_: ISessionContext, status: Kernel.Status): void {
    if (status === 'restarting' || status === 'autorestarting') {
      this._dropComm(false);
      this._restarting = true;
      this._dispatch({ kind: 'kernel', status: 'restarting' });
    } else if (status === 'dead') {
      this._dropComm(false);
      this._dispatch({ kind: 'kernel', status: 'dead' });
    } else if (status === 'idle' && this._restarting) {
      // The new process: hubmagic is not loaded there unless a startup file loads it.
      this._restarting = false;
      this._dispatch({ kind: 'kernel', status: 'ready' });
      this._probe();
    }
  }

  private _attach(kernel: Kernel.IKernelConnection | null): void {
    if (kernel !== null && kernel === this._kernel) {
      return; // `ready` and `kernelChanged` both announce the first kernel
    }
    this._detach();
    this._kernel = kernel;
    if (!kernel) {
      this._dispatch({ kind: 'kernel', status: 'none' });
      return;
    }
    // Registered again on every attach: a restart forgets the kernel's comms.
    kernel.registerCommTarget(COMM_TARGET, this._onKernelComm);
    kernel.iopubMessage.connect(this._onIopub, this);
    this._dispatch({ kind: 'kernel', status: 'ready' });
    this._probe();
  }

  private _detach(): void {
    this._dropComm(true);
    if (this._kernel && !this._kernel.isDisposed) {
      this._kernel.removeCommTarget(COMM_TARGET, this._onKernelComm);
      this._kernel.iopubMessage.disconnect(this._onIopub, this);
    }
    this._kernel = null;
  }

  /** A cell naming hubmagic runs (`%load_ext hubmagic`, ...): ask again once it is done. */
  private _onIopub(_: Kernel.IKernelConnection, msg: KernelMessage.IIOPubMessage): void {
    if (
      this._state.loaded === false &&
      KernelMessage.isExecuteInputMsg(msg) &&
      msg.content.code.includes('hubmagic')
    ) {
      this._probe();
    }
  }

  /** Open a comm: a kernel with hubmagic answers with its state, one without closes it. */
  private _probe(): void {
    const kernel = this._kernel;
    if (!kernel || kernel.isDisposed) {
      return;
    }
    this._dispatch({ kind: 'probing' });
    let comm: Kernel.IComm;
    try {
      comm = kernel.createComm(COMM_TARGET);
    } catch (error) {
      this._dispatch({ kind: 'unloaded' });
      return;
    }
    this._use(comm);
    comm.open(this._initMessage() as any);
  }

  /** `%load_ext hubmagic` ran: the kernel opened a comm to us. */
  private _onKernelComm = (comm: Kernel.IComm, msg: KernelMessage.ICommOpenMsg): void => {
    const parsed = parseKernelMessage(msg.content.data);
    this._use(comm);
    this._dispatch({ kind: 'received', parsed });
    if (parsed.ok) {
      comm.send(this._initMessage() as any);
    }
  };

  private _use(comm: Kernel.IComm): void {
    if (this._comm && this._comm !== comm) {
      const old = this._comm;
      old.onClose = () => undefined;
      old.onMsg = () => undefined;
      if (!old.isDisposed) {
        old.close();
      }
    }
    this._comm = comm;
    comm.onMsg = (msg: KernelMessage.ICommMsgMsg) => {
      if (comm === this._comm) {
        this._dispatch({ kind: 'received', parsed: parseKernelMessage(msg.content.data) });
      }
    };
    comm.onClose = () => {
      if (comm === this._comm) {
        this._comm = null;
        this._dispatch({ kind: 'unloaded' });
      }
    };
  }

  /** Forget the comm; `close` tells a living kernel, a restarting one has lost it anyway. */
  private _dropComm(close: boolean): void {
    const comm = this._comm;
    this._comm = null;
    if (!comm || comm.isDisposed) {
      return;
    }
    comm.onClose = () => undefined;
    comm.onMsg = () => undefined;
    try {
      if (close) {
        comm.close();
      } else {
        comm.dispose();
      }
    } catch {
      // The kernel is gone already: nothing to tell it.
    }
  }

  private _initMessage() {
    return encodeAction({ type: 'init', payload: this.forcedCells() });
  }

  private _state: IPanelState;
  private _stateChanged = new Signal<this, IPanelState>(this);
  private _kernel: Kernel.IKernelConnection | null = null;
  private _comm: Kernel.IComm | null = null;
  private _restarting = false;
  private _disposed = false;
}
