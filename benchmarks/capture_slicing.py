"""Time to slice a recorded history into train.py, for 100, 1,000 and 5,000 cells.

The history imitates a long exploratory session: imports, data preparation,
helper functions, plots, several models fitted and refitted, re-run cells.
"Cold, recorded" parses every cell (the first ``%hub_script`` of a session;
the recorder gets the IPython-transformed source for free from the kernel),
"cold, raw" also runs IPython's input transformer on every cell (cells read
back from history), "warm" re-slices with the per-source parse cache filled
(every later call). The baseline is ``ast.parse`` of every cell, measured in
the same run. Target: 5,000 cells < 1 s.

    python benchmarks/capture_slicing.py
"""

from __future__ import annotations

import ast
import time

from hubmagic.capture import CellRecord, build_train_script
from hubmagic.capture.analysis import analyze_source
from hubmagic.capture.records import transform_source

BLOCK = [
    "import numpy as np\nimport pandas as pd",
    "df{i} = pd.DataFrame({{'a': np.arange(10.0), 'b': np.arange(10.0) ** 2}})",
    "df{i}.head()",
    "df{i}['c'] = df{i}['a'] * {i}",
    "def feature{i}(frame):\n    return frame[['a', 'b', 'c']].to_numpy() / SCALE",
    "SCALE = {i} + 1",
    "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot(df{i}['a']); plt.show()",
    "from sklearn.linear_model import Ridge\nmodel = Ridge(alpha={i} / 10)",
    "model.fit(feature{i}(df{i}), df{i}['b'])",
    "print(model.score(feature{i}(df{i}), df{i}['b']))",
]


def history(n: int) -> list[CellRecord]:
    return [
        CellRecord(k, k + 1, BLOCK[k % len(BLOCK)].format(i=k // len(BLOCK)))
        for k in range(n)
    ]


def timed(function, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    print(f"{'cells':>6} {'parse only':>11} {'cold, rec.':>11} {'cold, raw':>11} "
          f"{'warm':>9} {'rec./parse':>11} {'kept':>5}")
    for n in (100, 1000, 5000):
        records = history(n)
        transformed = {r.source: transform_source(r.source) for r in records}
        parse = timed(lambda t=transformed, rs=records: [ast.parse(t[r.source]) for r in rs])

        def cold(raw: bool, records=records, transformed=transformed):
            analyze_source.cache_clear()
            transform_source.cache_clear()
            for r in records:
                r.transformed = None if raw else transformed[r.source]
            return build_train_script(records, "model")

        recorded = timed(lambda: cold(raw=False))
        raw = timed(lambda: cold(raw=True))
        script = build_train_script(records, "model")
        warm = timed(lambda rs=records: build_train_script(rs, "model"))
        print(f"{n:>6} {parse:>10.3f}s {recorded:>10.3f}s {raw:>10.3f}s {warm:>8.3f}s "
              f"{recorded / parse:>10.1f}x {len(script.kept):>5}")
    print("target: 5,000 recorded cells sliced in < 1 s")


if __name__ == "__main__":
    main()
