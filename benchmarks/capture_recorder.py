"""Overhead of the cell recorder on cell execution.

Runs 1,000 small cells through a real ``InteractiveShell.run_cell`` without
hooks, with the ``Recorder`` alone, and with everything ``%load_ext hubmagic``
registers (recorder + figure capture), in alternating rounds, and prints the
per-cell times and their ratios to the run without hooks.

    python benchmarks/capture_recorder.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

os.environ.setdefault("IPYTHONDIR", tempfile.mkdtemp(prefix="hubmagic-bench-"))

from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

from hubmagic import capture
from hubmagic.capture import Recorder

CELLS = 1000
ROUNDS = 5
BATCH = 100


def make_shell():
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    InteractiveShell.clear_instance()
    return InteractiveShell.instance(config=config)


def cell_sources(offset: int):
    # Distinct, realistic little cells: assignments, a call, an attribute read.
    kinds = ["x{i} = {i} * 2", "values{i} = [v + 1 for v in range(5)]", "total{i} = sum(range(10))",
             "name{i} = 'cell-{i}'.upper()", "d{i} = dict(a={i}, b=2)\nd{i}['c'] = 3"]
    return [kinds[i % len(kinds)].format(i=i + offset) for i in range(CELLS)]


def time_cells(shell, sources) -> float:
    start = time.perf_counter()
    for source in sources:
        shell.run_cell(source, store_history=True)
    return (time.perf_counter() - start) / len(sources)


def main():
    shell = make_shell()
    time_cells(shell, cell_sources(10**6))  # warm up imports and caches
    results = {"no hooks": [], "recorder": [], "recorder + figures": []}
    offset = 0
    # Modes alternate every BATCH cells so that machine load drifts cancel out.
    for _ in range(ROUNDS * CELLS // BATCH):
        for mode, times in results.items():
            offset += BATCH
            recorder = None
            if mode == "recorder":
                recorder = Recorder(shell, include_history=False).register()
            elif mode == "recorder + figures":
                capture.register(shell, include_history=False)
            times.append(time_cells(shell, cell_sources(offset)[:BATCH]))
            if recorder is not None:
                assert len(recorder.records) == BATCH
                recorder.unregister()
            if mode == "recorder + figures":
                capture.unregister(shell)
    base = statistics.median(results["no hooks"])
    print(f"{CELLS} cells x {ROUNDS} rounds through InteractiveShell.run_cell, modes alternating "
          f"every {BATCH} cells (median per cell)")
    for mode, times in results.items():
        per_cell = statistics.median(times)
        print(f"  {mode:<20} {per_cell * 1e6:8.1f} us/cell   ratio {per_cell / base:5.3f}")
    # The hook itself, measured alone: append one record per call.
    from IPython.core.interactiveshell import ExecutionInfo, ExecutionResult

    recorder = Recorder(shell, include_history=False)
    info = ExecutionInfo("x = 1", True, False, True, "cell-id", transformed_cell="x = 1\n")
    result = ExecutionResult(info)
    result.execution_count = 1
    n = 100_000
    hook_start = time.perf_counter()
    for _ in range(n):
        recorder._pre_run_cell(info)
        recorder._post_run_cell(result)
    hook = (time.perf_counter() - hook_start) / n
    start = time.perf_counter()
    records = recorder.records
    materialize = (time.perf_counter() - start) / len(records)
    print(f"  pre_run_cell + post_run_cell hooks alone: {hook * 1e6:.2f} us/cell "
          f"({hook / base * 100:.2f} % of a cell without hooks)")
    print(f"  building CellRecords when .records is read: {materialize * 1e6:.2f} us/cell")


if __name__ == "__main__":
    main()
