"""Run every benchmark, print what each measured, and record it in ``benchmarks/RESULTS.md``.

Each benchmark is a plain script run in its own process (so memory figures are its own),
one after the other. The record names the machine and the date.

    python benchmarks/run_all.py [--quick] [--no-save]

``--quick`` uses smaller sizes (a 100 MB large repository, a 300 MB model) for a run of
about a minute; the default run takes a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHMARKS = [  # (script, default arguments, --quick arguments)
    ("push_cost.py", [], ["--large-mb", "100", "--rounds", "1", "--small-rounds", "5"]),
    ("model_memory.py", [], ["--size-mb", "300", "100"]),
    ("model_formats.py", [], ["--trees", "100"]),
    ("capture_recorder.py", [], []),
    ("capture_slicing.py", [], []),
    ("localhub_upload_memory.py", [], ["--size-mib", "256"]),
]


def machine() -> str:
    import psutil

    cpu = platform.processor() or platform.machine()
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
        cpu = f"{model} ({platform.machine()})"
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    started = datetime.datetime.now(datetime.timezone.utc)
    sections, failed = [], []
    for script, default, quick in BENCHMARKS:
        command = [sys.executable, str(HERE / script), *(quick if args.quick else default)]
        shown = " ".join(["python", f"benchmarks/{script}", *command[2:]])
        print(f"== {shown}", flush=True)
        began = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=HERE.parent)
        output = done.stdout.rstrip()
        if done.returncode != 0:
            failed.append(script)
            output += f"\nFAILED (exit {done.returncode}):\n" + done.stderr[-2000:].rstrip()
        print(output + f"\n({time.perf_counter() - began:.0f} s)\n", flush=True)
        sections.append(f"### `{shown}`\n\n```\n{output}\n```\n")
    if not args.no_save:
        flags = " --quick" if args.quick else ""
        header = (f"# Benchmark results\n\nRecorded by `python benchmarks/run_all.py{flags}` "
                  f"on {started:%Y-%m-%d %H:%M} UTC.\n\nMachine: {machine()}.\n"
                  "The machine was shared with other jobs while this ran: ratios are measured within one "
                  "run, with the compared variants alternating, so shared load affects both sides.\n\n")
        (HERE / "RESULTS.md").write_text(header + "\n".join(sections), encoding="utf-8")
        print(f"recorded in {HERE / 'RESULTS.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
