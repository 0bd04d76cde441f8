"""The kernel's side of the Hub panel: one versioned comm target, ``hubmagic``.

The JupyterLab extension (``labextension/``) shows the kernel's ``NotebookSession`` and
asks it to act; it never keeps state of its own. Every message either way is
``{"type", "version", "payload"}``:

* kernel → panel: ``state`` (the whole session, in answer to ``init``), ``update`` (the
  traits that changed), ``result`` (after each action: ``{"action", "ok", "message"}``, the message being what the magic
  would have printed, or the error's paragraph), ``error`` (a message this kernel cannot
  read);
* panel → kernel: ``init`` (with the notebook's ``hub:include``/``hub:exclude`` cell ids),
  ``refresh``, ``push``, ``publish-notebook``, ``verify``, ``include`` / ``exclude``
  (``{"cells": [...]}``), ``cells`` (the notebook's whole choice, after one was taken
  back), ``figures`` (``{"include": [...], "exclude": [...]}``).

The panel opens the comm: when it meets a kernel, and when a cell that names hubmagic
runs while it is not loaded. A kernel without hubmagic closes it at once, which is how
the panel knows to offer ``%load_ext``. The kernel never opens one itself: clients that
are not the panel (nbclient, nbconvert, papermill) would warn about an unknown target.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import time
from pathlib import Path

from hubmagic.errors import HubMagicError

TARGET = "hubmagic"
PROTOCOL_VERSION = 1

_TRAITS = ("model_name", "repository", "repo_id", "files", "warnings", "figures", "script", "verdict",
           "push_state", "card_version")
_THUMBNAIL_LIMIT = 400_000  # bytes of PNG sent as a thumbnail; bigger figures show their name only
_PROGRESS_INTERVAL = 0.1  # seconds between two progress updates of the same phase

log = logging.getLogger(__name__)
_CHANNELS: dict[int, PanelChannel] = {}


def open_panel_channel(shell) -> PanelChannel | None:
    """Register the ``hubmagic`` comm target of ``shell``'s kernel, for the panels to open.

    Does nothing outside a Jupyter kernel (a terminal IPython has no front end to talk to).
    """
    if getattr(shell, "kernel", None) is None:
        return None
    channel = _CHANNELS.get(id(shell))
    if channel is None:
        from hubmagic.notebook import NotebookSession

        channel = _CHANNELS[id(shell)] = PanelChannel(NotebookSession.for_shell(shell))
        channel.open()
    return channel


def close_panel_channel(shell) -> None:
    """``%unload_ext hubmagic``: close the panels' comms (they then offer to load it again)."""
    channel = _CHANNELS.pop(id(shell), None)
    if channel is not None:
        channel.close()


class PanelChannel:
    """The comms of the panels watching one session: trait changes out, actions in."""

    def __init__(self, session):
        self.session = session
        self.comms: list = []
        self._thumbnails: dict[str, str] = {}  # figure name -> data URL, kept once seen
        self._last_progress = (None, 0.0)

    # -- lifecycle ----------------------------------------------------------------------
    def open(self) -> None:
        import comm

        comm.get_comm_manager().register_target(TARGET, self._on_open)
        self.session.observe(self._on_change, names=list(_TRAITS))

    def close(self) -> None:
        import comm

        self.session.unobserve(self._on_change, names=list(_TRAITS))
        with contextlib.suppress(KeyError):  # already gone
            comm.get_comm_manager().unregister_target(TARGET, self._on_open)
        for channel_comm in list(self.comms):
            channel_comm.close()
        self.comms.clear()

    def _on_open(self, comm, msg) -> None:
        """A panel opened a comm; its opening data is its first message (``init``)."""
        self._adopt(comm)
        self._receive(comm, msg["content"]["data"])

    def _adopt(self, comm) -> None:
        self.comms.append(comm)
        comm.on_msg(lambda msg: self._receive(comm, msg["content"]["data"]))
        comm.on_close(lambda msg: self.comms.remove(comm) if comm in self.comms else None)

    # -- kernel -> panels ------------------------------------------------------------------
    def snapshot(self) -> dict:
        """The whole session as the panel shows it (JSON only)."""
        from hubmagic import __version__

        state = {"hubmagic_version": __version__}
        for name in _TRAITS:
            state.update(self._payload(name, getattr(self.session, name)))
        return state

    def _on_change(self, change) -> None:
        name = change["name"]
        if name == "push_state" and not self._progress_due(change["new"]):
            return
        self._broadcast(_message("update", self._payload(name, change["new"])))

    def _progress_due(self, push_state: dict) -> bool:
        """Each phase change is sent; within a phase, at most one update per interval."""
        phase, now = push_state.get("phase"), time.monotonic()
        last_phase, last_time = self._last_progress
        if phase == last_phase and phase in ("hashing", "uploading") and now - last_time < _PROGRESS_INTERVAL:
            return False
        self._last_progress = (phase, now)
        return True

    def _payload(self, name: str, value) -> dict:
        if name == "repository":
            return {"folder": _display_path(value.path) if value is not None else None}
        if name == "figures":
            return {"figures": [{**figure, "thumbnail": self._thumbnail(figure)} for figure in value]}
        return {name: _json(value)}

    def _thumbnail(self, figure: dict) -> str | None:
        name, path = figure.get("name"), figure.get("path")
        if path:
            try:
                data = Path(path).read_bytes()
            except OSError:
                data = b""
            if 0 < len(data) <= _THUMBNAIL_LIMIT:
                self._thumbnails[name] = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        return self._thumbnails.get(name)

    def _broadcast(self, message: dict) -> None:
        for channel_comm in list(self.comms):
            self._send(channel_comm, message)

    @staticmethod
    def _send(channel_comm, message: dict) -> None:
        try:
            channel_comm.send(message)
        except Exception:  # a panel that went away must not break the session
            log.debug("hubmagic: could not send to a panel", exc_info=True)

    # -- panels -> kernel ------------------------------------------------------------------
    def _receive(self, comm, data) -> None:
        if not isinstance(data, dict) or data.get("version") != PROTOCOL_VERSION:
            version = data.get("version") if isinstance(data, dict) else None
            text = _version_mismatch(version)
            log.warning("hubmagic: %s", text)
            self._send(comm, _message("error", {"message": text}))
            return
        kind, payload = data.get("type"), data.get("payload") or {}
        if kind not in _ACTIONS:
            self._send(comm, _message("error", {"message": (
                f"The Hub panel asked for {kind!r}, which this kernel's hubmagic does not know: install the "
                "same hubmagic release in the kernel and in JupyterLab, then reload the page.")}))
            return
        try:
            getattr(self, "_on_" + kind.replace("-", "_"))(comm, payload)
        except HubMagicError as exc:
            self._send(comm, _message("result", {"action": kind, "ok": False, "message": str(exc)}))
            return
        except Exception as exc:  # the panel shows one paragraph; the log keeps the traceback
            log.exception("hubmagic: the Hub panel's %r failed", kind)
            self._send(comm, _message("result", {"action": kind, "ok": False, "message": (
                f"{kind} failed: {type(exc).__name__}: {exc}. Nothing else was changed; run the same action "
                "as a magic in a cell (e.g. `%hub_push`) to see the full error.")}))
            return
        if kind != "init":
            notes = "\n".join(getattr(self.session, "notes", []) or [])
            self._send(comm, _message("result", {"action": kind, "ok": True, "message": notes}))

    # One method per action the panel may ask for (``_on_`` + its type).
    def _on_init(self, comm, payload) -> None:
        # The notebook's cell tags, which the kernel does not receive with the cells: they
        # count from the next build; nothing is rebuilt just because a panel connected.
        recorder = self.session.capture.recorder if self.session.capture is not None else None
        if recorder is not None:
            recorder.include(*_cells(payload.get("include")))
            recorder.exclude(*_cells(payload.get("exclude")))
        self._send(comm, _message("state", self.snapshot()))

    def _on_refresh(self, comm, payload) -> None:
        if self.session.repository is None:
            self.session.status()  # reopens this notebook's folder after a restart, or says how to make one
        else:
            self.session.refresh("refreshed from the Hub panel")

    def _on_push(self, comm, payload) -> None:
        self.session.push()

    def _on_publish_notebook(self, comm, payload) -> None:
        self.session.push(notebook="")  # "": the notebook this kernel runs (the panel saved it first)

    def _on_verify(self, comm, payload) -> None:
        self.session.verify()

    def _on_include(self, comm, payload) -> None:
        self._choose_cells(include=_cells(payload.get("cells")))

    def _on_exclude(self, comm, payload) -> None:
        self._choose_cells(exclude=_cells(payload.get("cells")))

    def _on_cells(self, comm, payload) -> None:
        self._choose_cells(include=_cells(payload.get("include")), exclude=_cells(payload.get("exclude")),
                           reset=True)

    def _on_figures(self, comm, payload) -> None:
        self.session.choose_figures(include=_names(payload.get("include")), exclude=_names(payload.get("exclude")))

    def _choose_cells(self, *, include=(), exclude=(), reset=False) -> None:
        if self.session.repository is None:  # remembered for the first %hub_init
            recorder = self.session.capture.recorder
            if reset:
                recorder.reset_choices()
            recorder.include(*include)
            recorder.exclude(*exclude)
            self.session.notes = ["The choice counts from the next %hub_init."]
            return
        self.session.train_script(include=include, exclude=exclude, reset=reset)


_ACTIONS = frozenset({"init", "refresh", "push", "publish-notebook", "verify", "include", "exclude", "cells",
                      "figures"})


def _message(kind: str, payload: dict) -> dict:
    return {"type": kind, "version": PROTOCOL_VERSION, "payload": payload}


def _version_mismatch(version) -> str:
    theirs = f"version {version}" if isinstance(version, int) else "no version"
    from hubmagic import __version__

    return (f"The Hub panel speaks protocol {theirs}, this kernel's hubmagic {__version__} speaks version "
            f"{PROTOCOL_VERSION}: install the same hubmagic release in the kernel's environment and in "
            "JupyterLab's (pip install -U hubmagic in both), then restart the kernel and reload the page.")


def _cells(values) -> tuple:
    """Cell ids (text) or execution counts (numbers) as the recorder takes them."""
    if not isinstance(values, list):
        return ()
    return tuple(value for value in values if isinstance(value, (str, int)) and not isinstance(value, bool))


def _names(values) -> tuple:
    return tuple(value for value in values if isinstance(value, str)) if isinstance(values, list) else ()


def _display_path(path) -> str:
    """The folder relative to the kernel's working directory when it is inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _json(value):
    """Trait values made JSON-safe (paths, sets, numpy numbers become text or lists)."""
    return json.loads(json.dumps(value, default=lambda o: sorted(o) if isinstance(o, (set, frozenset)) else str(o)))
