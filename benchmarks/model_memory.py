"""Memory and time of ``ModelRepository.init`` + ``push`` for a model of several GB.

The model is a fitted estimator padded with random (incompressible) float arrays of
25 MB each, as a big forest holds many arrays; its RSS growth is measured beyond the
model's own memory (sampled every 5 ms), for the first init, the first push (through
the real client to a local hub), an init of the unchanged model and its re-push.
Target: growth < 200 MB; unchanged re-push < 0.3 s, nothing read.

skops saves an array through one in-memory copy (``np.save`` into a buffer), so a
single array of N MB needs N MB more while it is written: hence arrays, not one block.

A 200 MB model is measured too: below 256 MiB a model used to be read into memory
whole by the push's secret scan; it is now walked on disk like the large one.

    python benchmarks/model_memory.py [--size-mb 2000 200]
"""

from __future__ import annotations

import argparse
import time

from _bench import TOKEN, USER, PeakRss, local_hub

ARRAY_MB = 25


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, nargs="+", default=[2000, 200])
    args = parser.parse_args()
    with local_hub() as (hub, work):
        for size_mb in args.size_mb:
            measure(work / f"repo-{size_mb}", size_mb)


def measure(folder, size_mb: int) -> None:
    """Init, push, init again and re-push a model of ``size_mb``; print each step's time and RSS growth."""
    import numpy as np
    from sklearn.dummy import DummyClassifier

    from hubmagic.repository import ModelRepository

    model = DummyClassifier().fit([[0.0], [1.0]], [0, 1])
    rng = np.random.default_rng(0)
    model.padding_ = [rng.random(ARRAY_MB * 10**6 // 8) for _ in range(max(1, size_mb // ARRAY_MB))]
    repo_id = f"{USER}/big-model-{size_mb}"
    steps = [
        ("init", lambda: ModelRepository.init(model, dst=folder, repo_id=repo_id)),
        ("push", lambda: ModelRepository.open(folder).push(token=TOKEN)),
        ("init, unchanged model", lambda: ModelRepository.init(model, dst=folder, repo_id=repo_id)),
        ("push, unchanged", lambda: ModelRepository.open(folder).push(token=TOKEN)),
    ]
    print(f"model of {size_mb} MB ({max(1, size_mb // ARRAY_MB)} arrays of {ARRAY_MB} MB), "
          "RSS growth over the model's own memory:")
    worst = 0
    for name, step in steps:
        time.sleep(0.1)  # files written just before a push are read again (the cache's clock check)
        with PeakRss() as rss:
            start = time.perf_counter()
            result = step()
            elapsed = time.perf_counter() - start
        worst = max(worst, rss.growth)
        extra = ""
        if hasattr(result, "no_change"):
            extra = (f", {'no commit' if result.no_change else 'a commit'}, "
                     f"{result.plan.local.bytes_read / 1e6:.0f} MB read")
        print(f"  {name:<22} {elapsed:7.2f} s   RSS +{rss.growth / 1e6:5.0f} MB{extra}")
    size = (folder / "model.skops").stat().st_size
    print(f"  model.skops {size / 1e6:.0f} MB; worst growth {worst / 1e6:.0f} MB "
          f"({worst / size * 100:.1f}% of the file); target < 200 MB")


if __name__ == "__main__":
    main()
