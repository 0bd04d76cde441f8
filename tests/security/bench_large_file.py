"""Throughput of the push's secret scan on one large file (not a test: run it by hand).

    .venv/bin/python tests/security/bench_large_file.py [MB] [csv|npy|bin]

Builds one file of MB megabytes (default 300) in a scratch folder and times the
scan a push runs (``hubmagic.hub._publish._scan_secrets``: detectors plus the search for
the user's own token) once. Run it with ``PYTHONPATH`` pointing at an older
checkout (``git archive <commit> hubmagic | tar -x -C /tmp/old``) to compare.
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path


def build(folder: Path, megabytes: int, kind: str) -> Path:
    size = megabytes * 1_000_000
    if kind == "csv":
        path = folder / "data.csv"
        block = "".join(f"{i},{i * 0.25:.2f},user_{i % 97},label_{i % 3}\n" for i in range(20_000)).encode()
        with open(path, "wb") as out:
            out.write(b"id,score,owner,label\n")
            out.writelines(block for _ in range(size // len(block)))
    elif kind == "npy":
        import numpy as np

        path = folder / "embeddings.npy"
        np.save(path, np.random.default_rng(0).random(size // 8))
    else:
        path = folder / "weights.bin"
        with open(path, "wb") as out:
            out.writelines(bytes(range(256)) * 4096 for _ in range(size // (1 << 20)))
    return path


def main() -> None:
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    kind = sys.argv[2] if len(sys.argv) > 2 else "csv"
    import hubmagic
    from hubmagic.hub._publish import _scan_secrets

    folder = Path(tempfile.mkdtemp(prefix="secrets-large-"))
    try:
        path = build(folder, megabytes, kind)
        size = path.stat().st_size
        _scan_secrets(folder, ["missing.txt"], None, redact=False)  # detect-secrets set-up, not timed
        token = "hf_" + "Zq7" * 11 + "x"  # the pushing user's token (not in the file)
        start = time.perf_counter()
        findings = _scan_secrets(folder, [path.name], token, redact=False).findings
        elapsed = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{hubmagic.__file__}: {path.name} {size / 1e6:.0f} MB scanned in {elapsed:.1f} s "
              f"= {size / 1e6 / elapsed:.1f} MB/s; findings: {len(findings)}; peak RSS {peak:.0f} MiB")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
