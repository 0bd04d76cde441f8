"""The lab extension's TypeScript unit tests (jest: the comm protocol and the panel's
state reducer), run by the project's single test command."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_jest_suite_passes():
    jest = ROOT / "node_modules" / "jest" / "bin" / "jest.js"
    node = shutil.which("node")
    assert node, "node is needed to build and test the lab extension: install Node.js 20 or newer."
    assert jest.is_file(), (
        "jest is not installed: `pip install -e .` (or `jlpm install`) installs the lab extension's "
        "node modules."
    )
    done = subprocess.run([node, str(jest), "--ci", "--colors=false"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert "failed" not in report.split("Tests:")[-1].splitlines()[0], report
    assert "Test Suites:" in report and " passed" in report
