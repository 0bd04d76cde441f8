"""A push's cost against the raw client's, on the same folder and the same local hub.

Raw = ``HfApi.create_repo`` + ``upload_folder``; ours = ``publish_folder`` (secret scan,
card check, remote diff, one commit with a parent), both to a fresh repository each
round, rounds alternating. "Cold" pushes start without hubmagic's file cache (a folder
never pushed); "warm" ones have it (a folder pushed before, to another repository).
Then an unchanged re-push (time, bytes read, requests), and the large file's upload
throughput against this machine's own sha256 and copy speed on the same bytes.
Targets: push <= 1.10x raw; unchanged re-push: no commit, nothing read, < 0.3 s.

Each comparison runs twice: against the in-process hub (no network: a request costs
about 2 ms, so hubmagic's own work — the secret scan, the card check, the state it
keeps — weighs the most it can), then through a loopback proxy that holds every byte
``--latency-ms`` in each direction (a request then pays a round trip, as to the Hub).

    python benchmarks/push_cost.py [--large-mb 500] [--rounds 7] [--small-rounds 61] [--latency-ms 10]

A small push takes tens of milliseconds on a shared machine whose speed drifts, so its
medians are over ``--small-rounds`` (and the large one's over ``--rounds``).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import statistics
import time
from contextlib import nullcontext
from pathlib import Path

from _bench import TOKEN, USER, LatencyProxy, local_hub, requests_during, write_random_file


def small_folder(work: Path) -> Path:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    from hubmagic.repository import ModelRepository

    X, y = load_iris(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=500).fit(X, y)
    return ModelRepository.init(model, data=X, labels=y, dst=work / "small", license="mit").path


def forget_reads(folder: Path) -> None:
    from hubmagic.repository import _state

    state = _state.read_state(folder)
    state.pop(_state.FILE_CACHE_KEY, None)
    _state.write_state(folder, state)


def compare(hub, folder: Path, case: str, rounds: int, endpoint: str) -> dict:
    """Medians of each variant (fresh repository each round), requests, and an unchanged re-push."""
    import os

    from huggingface_hub import HfApi

    from hubmagic.hub._publish import publish_folder

    os.environ["HF_ENDPOINT"] = endpoint  # where publish_folder's client goes
    api = HfApi(endpoint=endpoint, token=TOKEN)
    times = {"raw": [], "ours, cold": [], "ours, warm": []}
    served = {}

    def raw(repo_id):
        api.create_repo(repo_id)
        api.upload_folder(repo_id=repo_id, folder_path=folder, ignore_patterns=[".hubmagic/*"])

    def ours(repo_id):
        return publish_folder(folder, repo_id, token=TOKEN)

    publish_folder(folder, f"{USER}/{case}-warmup", token=TOKEN)  # imports, whoami, detectors
    raw(f"{USER}/{case}-warmup-raw")
    for i in range(rounds):
        runs = [("raw", raw), ("ours, cold", ours), ("ours, warm", ours)]
        for name, run in runs if i % 2 == 0 else runs[::-1]:
            repo_id = f"{USER}/{case}-{name.replace(', ', '-')}-{i}"
            if name == "ours, cold":
                forget_reads(folder)  # before the clock starts: the push finds no file it read before
            _, seconds, requests = requests_during(hub, lambda run=run, repo_id=repo_id: run(repo_id))
            times[name].append(seconds)
            served[name] = requests
    last = f"{USER}/{case}-ours-warm-{rounds - 1}"
    again, seconds, requests = requests_during(hub, lambda: publish_folder(folder, last, token=TOKEN))
    return {"times": {k: statistics.median(v) for k, v in times.items()},
            "requests": {k: len([r for r in v if "agent-harnesses" not in r[1]]) for k, v in served.items()},
            "repush": {"seconds": seconds, "requests": len(requests), "commit": not again.no_change,
                       "bytes_read": again.plan.local.bytes_read}}


def machine_speed(path: Path) -> tuple[float, float]:
    """Seconds to sha256 ``path`` and to copy it beside itself (both from the page cache)."""
    start = time.perf_counter()
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    hashing = time.perf_counter() - start
    start = time.perf_counter()
    shutil.copyfile(path, path.with_suffix(".copy"))
    copying = time.perf_counter() - start
    path.with_suffix(".copy").unlink()
    return hashing, copying


def report(case: str, size: int, result: dict) -> None:
    t, n, again = result["times"], result["requests"], result["repush"]
    print(f"{case} ({size / 1e6:.3f} MB):")
    for name in ("raw", "ours, cold", "ours, warm"):
        ratio = "" if name == "raw" else f"   ratio {t[name] / t['raw']:.2f}x raw"
        print(f"  {name:<11} {t[name]:6.3f} s  {n[name]:2d} requests{ratio}")
    print(f"  unchanged re-push: {again['seconds']:.3f} s, {again['requests']} requests, "
          f"{again['bytes_read']} bytes read, {'a commit' if again['commit'] else 'no commit'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large-mb", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--small-rounds", type=int, default=61)
    parser.add_argument("--latency-ms", type=float, default=10.0)
    args = parser.parse_args()
    with local_hub() as (hub, work):
        small = small_folder(work)
        large = work / "large"
        shutil.copytree(small, large)
        forget_reads(large)
        write_random_file(large / "weights.bin", args.large_mb * 10**6)
        networks = [("in-process hub, no network", None),
                    (f"through a {2 * args.latency_ms:g} ms round trip", args.latency_ms / 1000)]
        for n, (network, delay) in enumerate(networks):
            print(f"== {network}")
            with LatencyProxy(hub.endpoint, delay) if delay else nullcontext(hub.endpoint) as endpoint:
                for case, folder, rounds in (("small repository", small, args.small_rounds),
                                             ("large repository", large, args.rounds)):
                    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
                    result = compare(hub, folder, f"{case.split()[0]}{n}", rounds, endpoint)
                    report(case, size, result)
            if n == 0:
                hashing, copying = machine_speed(large / "weights.bin")
                big, push = args.large_mb, result["times"]["ours, cold"]
                print(f"throughput on {big} MB: sha256 {big / hashing:.0f} MB/s, copy {big / copying:.0f} MB/s, "
                      f"push (cold) {big / push:.0f} MB/s, raw client {big / result['times']['raw']:.0f} MB/s; "
                      f"push / (sha256 + copy) = {push / (hashing + copying):.2f}x")
    print("targets: push <= 1.10x raw; unchanged re-push: no commit, 0 bytes read, < 0.3 s")


if __name__ == "__main__":
    main()
