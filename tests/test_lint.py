"""The code passes ruff under the project's configuration (``[tool.ruff]`` in pyproject.toml).

Linting runs as a test so the README's single test command, which CI runs, also lints.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "hubmagic", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"ruff reported findings:\n{result.stdout}{result.stderr}"
