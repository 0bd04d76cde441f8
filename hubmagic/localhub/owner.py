"""One server per data folder.

Two servers on one folder would race on git's lock files (a commit of one fails with
``FileLocked refs/heads/main.lock`` while the other moves the branch). A server holds an
OS file lock on ``<data_dir>/localhub.lock`` while it runs and writes where it listens to
``<data_dir>/localhub.json``; another process finds it there and reuses it. The OS drops
the lock when its holder dies, so the folder of a crashed server is simply taken over.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_FILE = "localhub.lock"
INFO_FILE = "localhub.json"


class LocalHubError(RuntimeError):
    """A local hub cannot start; the message says why and what to do."""


class DataDirInUse(LocalHubError):
    def __init__(self, data_dir: Path, info: dict | None):
        self.data_dir, self.info = data_dir, info or {}
        where = f" at {self.info['endpoint']}" if self.info.get("endpoint") else ""
        who = f" (pid {self.info['pid']})" if self.info.get("pid") else ""
        super().__init__(
            f"Another local hub{who} already serves {data_dir}{where}. Use that one (`%hub_local` and "
            f"`hubmagic.use_local_hub()` reuse it), stop it first, or give this one another --data-dir."
        )


class DataDirClaim:
    """The exclusive right to serve ``data_dir``, held from ``acquire`` to ``release``."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        # Not thread-local: a hub may be started and stopped from different threads.
        self._lock = FileLock(self.data_dir / LOCK_FILE, thread_local=False)

    def acquire(self) -> None:
        """Raises ``DataDirInUse`` when a live process serves the folder."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise DataDirInUse(self.data_dir, read_info(self.data_dir)) from None

    def publish(self, endpoint: str) -> None:
        """Say where this folder is served (called once the server listens)."""
        info = {"endpoint": endpoint, "pid": os.getpid(), "started": time.time()}
        tmp = self.data_dir / f"{INFO_FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(info))
        os.replace(tmp, self.data_dir / INFO_FILE)

    def release(self) -> None:
        if not self._lock.is_locked:
            return
        info = read_info(self.data_dir)
        if info and info.get("pid") == os.getpid():
            (self.data_dir / INFO_FILE).unlink(missing_ok=True)
        self._lock.release(force=True)


def read_info(data_dir: Path) -> dict | None:
    try:
        info = json.loads((Path(data_dir) / INFO_FILE).read_text())
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def serving(data_dir: Path, wait: float = 10.0) -> dict | None:
    """``{"endpoint", "pid", "user", "token"}`` of the live server of ``data_dir`` (with its
    first account, the one a new ``LocalHub(data_dir)`` would hand out), or ``None``.

    A server that holds the folder but has not said where it listens yet (it is starting)
    is waited for up to ``wait`` seconds.
    """
    data_dir = Path(data_dir)
    if not (data_dir / LOCK_FILE).exists():
        return None
    probe = FileLock(data_dir / LOCK_FILE, thread_local=False)
    deadline = time.monotonic() + wait
    while True:
        try:
            probe.acquire(timeout=0)
        except Timeout:
            info = read_info(data_dir)
            if info and info.get("endpoint"):
                return {**info, **_first_account(data_dir)}
            if time.monotonic() > deadline:
                raise DataDirInUse(data_dir, info) from None
            time.sleep(0.05)
            continue
        probe.release(force=True)  # nobody serves it: any info left is a dead server's
        return None


def _first_account(data_dir: Path) -> dict:
    try:
        users = json.loads((data_dir / "accounts.json").read_text()).get("users") or {}
    except (OSError, ValueError, AttributeError):
        return {}
    return next(({"user": name, "token": token} for name, token in users.items()), {})
