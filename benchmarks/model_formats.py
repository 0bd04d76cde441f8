"""Model file formats for a 500-tree random forest: skops (hubmagic's writer) vs pickle vs joblib.

Dump and load time and file size, measured in the same run; hubmagic's skops file is
deflated (level 1) and streamed to disk, ``skops.io.dump`` (stored, built in memory) is
shown beside it. Loading the skops file includes its trust audit.

    python benchmarks/model_formats.py [--trees 500]
"""

from __future__ import annotations

import argparse
import os
import pickle
import tempfile
import time
from pathlib import Path


def timed(action, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", type=int, default=500)
    args = parser.parse_args()
    import joblib
    import skops.io as sio
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier

    from hubmagic.model import _persist as persist

    X, y = make_classification(n_samples=2000, n_features=20, random_state=0)
    forest = RandomForestClassifier(n_estimators=args.trees, random_state=0, n_jobs=1).fit(X, y)
    work = Path(tempfile.mkdtemp(prefix="hubmagic-formats-"))
    paths = {name: work / f"model.{name}" for name in ("hubmagic-skops", "skops.io.dump", "pickle", "joblib")}
    writers = {
        "hubmagic-skops": lambda p: persist.dump(forest, p, "skops"),
        "skops.io.dump": lambda p: sio.dump(forest, p),
        "pickle": lambda p: p.write_bytes(pickle.dumps(forest, protocol=pickle.HIGHEST_PROTOCOL)),
        "joblib": lambda p: joblib.dump(forest, p),
    }
    readers = {
        "hubmagic-skops": lambda p: persist.load(p),
        "skops.io.dump": lambda p: sio.load(p, trusted=sio.get_untrusted_types(file=p)),
        "pickle": lambda p: pickle.loads(p.read_bytes()),
        "joblib": lambda p: joblib.load(p),
    }
    rows = {}
    for name, path in paths.items():
        dump = timed(lambda name=name, path=path: writers[name](path))
        load = timed(lambda name=name, path=path: readers[name](path))
        assert (readers[name](path).predict(X[:50]) == forest.predict(X[:50])).all()
        rows[name] = (dump, load, os.path.getsize(path))
    base_dump, base_load, base_size = rows["pickle"]
    print(f"RandomForestClassifier, {args.trees} trees (best of 3; ratios to pickle)")
    print(f"  {'format':<15} {'dump':>8} {'load':>8} {'size':>10}   dump x   load x   size x")
    for name, (dump, load, size) in rows.items():
        print(f"  {name:<15} {dump:7.3f}s {load:7.3f}s {size / 1e6:8.2f} MB   {dump / base_dump:6.2f}   "
              f"{load / base_load:6.2f}   {size / base_size:6.2f}")


if __name__ == "__main__":
    main()
