"""The benchmark still runs end to end (a tiny load; figures are for bench/README.md, not asserted)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# CPU-heavy: one after another on one xdist worker with the browser tests, not alongside them
pytestmark = pytest.mark.xdist_group("heavy")


@pytest.mark.timeout(300)  # its own subprocess may take 240 s on a machine busy with the rest of the suite
def test_benchmark_runs_and_everything_is_posted():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--variants",
            "empty,ours",
            "--rate",
            "20",
            "--seconds",
            "1",
            "--latency",
            "0.2",
            "--concurrency",
            "5",
            "--ceiling-seconds",
            "1",
            "--callbacks",
            "30",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "| empty | 20 | 0 |" in out and "| ours | 20 | 0 |" in out
    assert "(20/20 posted)" in out
    assert "callback storm: 30 callbacks" in out and "10/10 cards show the end, 0 errors" in out
