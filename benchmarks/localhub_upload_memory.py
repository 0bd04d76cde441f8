"""Server memory while the real client uploads (and downloads) a 1 GiB LFS file.

Starts ``python -m hubmagic.localhub`` as a subprocess, samples its RSS with psutil
every 20 ms, and prints the peak growth over the baseline measured in the same run
(after a small warm-up upload). The 1 GiB file is a sparse file: nothing is held in
memory on the client side either. Target: < 100 MB growth.

    python benchmarks/localhub_upload_memory.py [--size-mib 1024]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from _bench import TOKEN, PeakRss

MIB = 1024 * 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="localhub-bench-"))
    server = subprocess.Popen(
        [sys.executable, "-m", "hubmagic.localhub", "--data-dir", str(work / "hub"), "--user", f"bench:{TOKEN}"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        endpoint = next(line.split()[1] for line in server.stdout if line.startswith("serving "))
        os.environ.update(HF_ENDPOINT=endpoint, HF_HUB_DISABLE_XET="1", HF_HOME=str(work / "hf-home"),
                          HF_HUB_DISABLE_PROGRESS_BARS="1")
        from huggingface_hub import HfApi, hf_hub_download

        api = HfApi(endpoint=endpoint, token=TOKEN)
        api.create_repo("bench/big")
        # Warm-up: one small LFS upload and download so imports and caches are in the baseline.
        api.upload_file(path_or_fileobj=os.urandom(MIB), path_in_repo="warmup.bin", repo_id="bench/big")
        hf_hub_download("bench/big", "warmup.bin", cache_dir=work / "cache")
        baseline = psutil.Process(server.pid).memory_info().rss

        big = work / "big.bin"
        with open(big, "wb") as f:  # sparse: no memory, almost no disk
            f.truncate(args.size_mib * MIB)
        start = time.perf_counter()
        with PeakRss(server.pid, every=0.02) as upload:
            api.upload_file(path_or_fileobj=str(big), path_in_repo="big.bin", repo_id="bench/big")
        upload_seconds = time.perf_counter() - start
        start = time.perf_counter()
        with PeakRss(server.pid, every=0.02) as download:
            path = hf_hub_download("bench/big", "big.bin", cache_dir=work / "cache")
        download_seconds = time.perf_counter() - start
        assert os.path.getsize(path) == args.size_mib * MIB
        lfs = api.get_paths_info("bench/big", ["big.bin"])[0].lfs
        assert lfs is not None and lfs.size == args.size_mib * MIB

        growth_up = (upload.peak - baseline) / MIB
        growth_down = (download.peak - baseline) / MIB
        print(f"file size:              {args.size_mib} MiB (LFS)")
        print(f"server baseline RSS:    {baseline / MIB:.1f} MiB")
        print(f"upload:   peak RSS {upload.peak / MIB:.1f} MiB, growth {growth_up:+.1f} MiB "
              f"({growth_up / args.size_mib:.3f} x file size), {args.size_mib / upload_seconds:.0f} MiB/s")
        print(f"download: peak RSS {download.peak / MIB:.1f} MiB, growth {growth_down:+.1f} MiB "
              f"({growth_down / args.size_mib:.3f} x file size), {args.size_mib / download_seconds:.0f} MiB/s")
        ok = max(growth_up, growth_down) < 100
        print(f"target < 100 MiB growth: {'OK' if ok else 'FAILED'}")
        return 0 if ok else 1
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
