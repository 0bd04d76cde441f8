"""How long a secret scan of a typical repository takes (not a test: run it by hand).

    /work/venv/bin/python tests/secrets/bench_scan.py

A typical repository: train.py of 200 lines, README.md of 300 lines with a 60 KB
base64 figure, config.json. Prints the first scan (detect-secrets import and plugin
set-up included), the median of later scans, and the ratio to reading the same files
(the baseline measured in the same process).
"""

from __future__ import annotations

import base64
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import conftest


def figure_png() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    rng = np.random.default_rng(0)
    ax.scatter(rng.normal(size=500), rng.normal(size=500), c=rng.random(500), s=8)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def build(folder: Path) -> None:
    train = conftest.CLEAN_TRAIN
    extra = "\n".join(
        f"feature_{i} = X_train.iloc[:, {i % 30}].rolling(window={i % 7 + 2}).mean()  # step {i}"
        for i in range(200 - train.count("\n"))
    )
    (folder / "train.py").write_text(train + extra + "\n")
    readme = conftest.clean_readme()
    readme = readme.replace(
        readme[readme.index("data:image/png;base64,") : readme.index(")", readme.index("data:image"))],
        "data:image/png;base64," + base64.b64encode(figure_png()).decode(),
    )
    padding = "\n".join(f"| feature_{i} | {i * 0.013:.4f} | permutation importance |" for i in range(300))
    lines = readme.split("\n")
    (folder / "README.md").write_text("\n".join(lines + padding.split("\n")[: 300 - len(lines)]))
    (folder / "config.json").write_text(json.dumps(conftest.clean_config(), indent=2))


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="secrets-bench-"))
    build(folder)
    sizes = {p.name: (p.stat().st_size, p.read_text().count("\n") + 1) for p in folder.iterdir()}

    def read_all():
        for p in folder.iterdir():
            p.read_text()

    start = time.perf_counter()
    from hubmagic.secrets import scan_folder

    assert scan_folder(folder) == []
    first = time.perf_counter() - start

    def timed(fn, n=20):
        runs = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - t)
        return statistics.median(runs)

    scan = timed(lambda: scan_folder(folder))
    baseline = timed(read_all)
    print(f"files (bytes, lines): {sizes}")
    print(f"first scan (import + plugin set-up): {first * 1000:.0f} ms")
    print(f"later scans (median of 20): {scan * 1000:.1f} ms")
    print(f"reading the files (baseline): {baseline * 1000:.2f} ms; scan/read ratio: {scan / baseline:.0f}x")


if __name__ == "__main__":
    main()
