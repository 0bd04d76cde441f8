"""What the push and model benchmarks share: a local hub in a scratch folder, a peak-RSS sampler.

Import this module before ``huggingface_hub``: the client reads ``HF_ENDPOINT`` when it
is first imported.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

TOKEN = "hf_" + secrets.token_hex(17)  # made per run: no token-like literal in the repository
USER = "bench"


@contextmanager
def local_hub():
    """``(hub, scratch folder)``: an embedded ``LocalHub`` the real client talks to over HTTP."""
    from hubmagic.localhub import LocalHub

    work = Path(tempfile.mkdtemp(prefix="hubmagic-bench-"))
    hub = LocalHub(data_dir=work / "hub-data", users={USER: TOKEN})
    hub.start()
    os.environ.update(HF_ENDPOINT=hub.endpoint, HF_HUB_DISABLE_XET="1", HF_HOME=str(work / "hf-home"),
                      HF_HUB_DISABLE_PROGRESS_BARS="1", HF_HUB_DISABLE_TELEMETRY="1")
    os.environ.pop("HF_TOKEN", None)
    try:
        yield hub, work
    finally:
        hub.stop()
        shutil.rmtree(work, ignore_errors=True)


def requests_during(hub, action) -> tuple[object, float, list]:
    """``(result, seconds, [(method, path)])`` of ``action()``, the requests from the hub's log."""
    start = len(hub.state.recent_requests)
    began = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - began
    return result, elapsed, list(hub.state.recent_requests)[start:]


class PeakRss:
    """``with PeakRss() as peak:`` samples this process's RSS every 5 ms; ``peak.growth`` in bytes."""

    def __init__(self):
        import psutil

        self.process = psutil.Process()
        self.base = self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.005)

    @property
    def growth(self) -> int:
        return self.peak - self.base

    def __enter__(self):
        self.base = self.peak = self.process.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def write_random_file(path: Path, size: int) -> None:
    """``size`` incompressible bytes, written 16 MiB at a time."""
    with open(path, "wb") as fh:
        for start in range(0, size, 16 << 20):
            fh.write(os.urandom(min(16 << 20, size - start)))
