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
    """``with PeakRss() as peak:`` samples a process's RSS (default: this one) every ``every``
    seconds in a thread; ``peak.peak`` and ``peak.growth`` in bytes."""

    def __init__(self, pid: int | None = None, every: float = 0.005):
        import psutil

        self.process = psutil.Process(pid)
        self.every = every
        self.base = self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(self.every)

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


class LatencyProxy:
    """A loopback TCP proxy that holds every byte ``delay`` seconds in each direction.

    Requests then pay a network's round trip (``2 * delay``) as they would to the Hub,
    while a stream keeps its order and its throughput (bytes are queued with the time
    they are due, not slept on one by one). ``with LatencyProxy(endpoint, 0.01) as url:``.
    """

    def __init__(self, endpoint: str, delay: float):
        from urllib.parse import urlsplit

        parts = urlsplit(endpoint)
        self.upstream, self.delay = (parts.hostname, parts.port), delay
        self.url = ""
        self._loop = None
        self._thread = None

    def __enter__(self) -> str:
        import asyncio

        ready = threading.Event()

        async def serve():
            self._stop = asyncio.Event()
            server = await asyncio.start_server(self._connect, "127.0.0.1", 0)
            self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
            ready.set()
            await self._stop.wait()
            server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(serve(),), daemon=True)
        self._thread.start()
        ready.wait(10)
        return self.url

    def __exit__(self, *exc):
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)
        self._loop.close()

    async def _connect(self, reader, writer):
        import asyncio

        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer),
                                 return_exceptions=True)
        except asyncio.CancelledError:
            pass  # the proxy is closing
        finally:
            for w in (writer, up_writer):
                w.close()

    async def _pipe(self, source, sink):
        import asyncio

        loop, queue = asyncio.get_running_loop(), asyncio.Queue()

        async def receive():
            while True:
                data = await source.read(1 << 16)
                queue.put_nowait((loop.time() + self.delay, data))
                if not data:
                    return

        async def deliver():
            while True:
                due, data = await queue.get()
                if due > loop.time():
                    await asyncio.sleep(due - loop.time())
                if not data:
                    if sink.can_write_eof():
                        sink.write_eof()
                    return
                sink.write(data)
                await sink.drain()

        await asyncio.gather(receive(), deliver(), return_exceptions=True)  # a closed peer ends the pipe
