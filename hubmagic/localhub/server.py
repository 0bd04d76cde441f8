"""``LocalHub``: the local Hub running in a background thread of this process."""

from __future__ import annotations

import asyncio
import errno
import socket
import tempfile
import threading
from pathlib import Path

import uvicorn

from .app import build_app
from .lfs_store import DEFAULT_GRACE_SECONDS, DEFAULT_HREF_SECONDS
from .owner import DataDirClaim, LocalHubError
from .state import HubState


class LocalHub:
    """A local server speaking the Hugging Face Hub API, for the unmodified client.

    Point ``huggingface_hub`` at it with ``HF_ENDPOINT=hub.endpoint`` and
    ``HF_HUB_DISABLE_XET=1`` (both read when ``huggingface_hub`` is imported).
    Everything is stored under ``data_dir`` and survives restarts. One server serves a
    data folder at a time: starting a second one raises ``DataDirInUse`` (find the
    running one with ``hubmagic.localhub.serving(data_dir)``).

    Args:
        data_dir: Folder holding repositories, LFS objects and accounts. A fresh
            temporary folder when ``None``.
        host: Interface to bind; loopback by default.
        port: TCP port; ``0`` picks a free one.
        users: ``{name: token}`` (or ``{name: {"token": ..., "fullname": ...}}``) of the
            accounts to create or update. With no users (here and in ``data_dir``) one
            user ``user`` with a random token is made.
        orgs: ``{org: [member, ...]}``, or ``{org: {"members": [...], "private": True}}``
            for an org whose new repos are private unless created public.
        lfs_grace_seconds: How long an LFS object uploaded but referenced by no commit
            is kept (a day by default); collected at start and after uploads.
        lfs_href_seconds: How long the upload/download links of the LFS batch API
            work (an hour by default).

    >>> with LocalHub() as hub:  # doctest: +SKIP
    ...     os.environ["HF_ENDPOINT"] = hub.endpoint
    ...     HfApi(token=hub.token).create_repo("my-model")
    """

    def __init__(self, data_dir=None, *, host: str = "127.0.0.1", port: int = 0,
                 users: dict | None = None, orgs: dict | None = None,
                 lfs_grace_seconds: float = DEFAULT_GRACE_SECONDS, lfs_href_seconds: float = DEFAULT_HREF_SECONDS):
        self.data_dir = Path(data_dir) if data_dir is not None else Path(tempfile.mkdtemp(prefix="localhub-"))
        self.host = host
        self.port = port
        self._users, self._orgs = users, orgs
        self._lfs_settings = {"lfs_grace_seconds": lfs_grace_seconds, "lfs_href_seconds": lfs_href_seconds}
        self.state: HubState | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._claim: DataDirClaim | None = None

    @property
    def endpoint(self) -> str:
        """``http://HOST:PORT`` of the running server."""
        if self._server is None:
            raise RuntimeError("LocalHub is not started: call .start() first")
        return f"http://{self.host}:{self.port}"

    @property
    def users(self) -> dict[str, str]:
        """``{name: token}`` of every account."""
        return dict(self._state().accounts.users)

    @property
    def token(self) -> str:
        """Token of the first user (the default one when no user was given)."""
        state = self._state()
        first = next(iter(self._users)) if self._users else next(iter(state.accounts.users))
        return state.accounts.users[first]

    def _state(self) -> HubState:
        if self.state is None:
            self.state = HubState(self.data_dir, self._users, self._orgs, **self._lfs_settings)
        return self.state

    def start(self) -> LocalHub:
        """Start serving; returns once the server accepts connections."""
        if self._server is not None:
            return self
        claim = DataDirClaim(self.data_dir)
        claim.acquire()
        try:
            state = self._state()
            sock = self._bind()
        except BaseException:
            claim.release()
            raise
        config = uvicorn.Config(build_app(state), log_level="warning", access_log=False, lifespan="off",
                                timeout_keep_alive=30, timeout_graceful_shutdown=3)
        server = uvicorn.Server(config)
        failure: list[BaseException] = []

        def run():
            try:
                asyncio.run(server.serve(sockets=[sock]))
            except BaseException as exc:  # surfaced by start()
                failure.append(exc)

        self._server = server
        self._thread = threading.Thread(target=run, name=f"localhub-{self.port}", daemon=True)
        self._thread.start()
        while not server.started:
            if failure or not self._thread.is_alive():
                self._server = None
                sock.close()
                claim.release()
                raise RuntimeError(f"LocalHub failed to start: {failure[0] if failure else 'unknown error'}")
            self._thread.join(0.01)
        claim.publish(self.endpoint)
        self._claim = claim
        return self

    def _bind(self) -> socket.socket:
        # proto=IPPROTO_TCP, not 0: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on sockets that
        # say they are TCP, and with it on every answer waited 40 ms for the client's delayed ACK.
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            if exc.errno == errno.EADDRINUSE:
                raise LocalHubError(f"Port {self.port} on {self.host} is already in use: pick another one "
                                    "(--port N), or let the system choose a free one (--port 0).") from None
            raise LocalHubError(f"Cannot listen on {self.host}:{self.port} ({exc.strerror or exc}). Check "
                                "the --host and --port values.") from None
        self.port = sock.getsockname()[1]
        return sock

    def stop(self) -> None:
        """Stop serving and wait for the server thread to end."""
        if self._server is None:
            return
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._server = None
        self._thread = None
        if self._claim is not None:
            self._claim.release()
            self._claim = None

    def __enter__(self) -> LocalHub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.endpoint if self._server is not None else "stopped"
        return f"LocalHub({where}, data_dir={str(self.data_dir)!r})"
