"""The soak's one-minute form: mixed traffic from two workspaces with faults in both stand-ins."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# CPU-heavy: one after another on one xdist worker with the browser tests, not alongside them
pytestmark = pytest.mark.xdist_group("heavy")


@pytest.mark.timeout(420)  # a minute of traffic, up to 90 s of settling, on a busy machine
def test_one_minute_soak_loses_nothing():
    result = subprocess.run(
        [sys.executable, "-m", "bench.soak", "--minutes", "1", "--seed", "7"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = result.stdout
    figures = dict(re.findall(r"^  ([a-zA-Z0-9 ()]+): (\d+)$", out, re.M))
    assert result.returncode == 0, (
        out
        + result.stderr[-1500:]
        + "\n".join(
            line
            for line in result.stderr.splitlines()
            if line.startswith(("missing", "report behind", "  ", "still pending", "lost", "stale"))
            and "File" not in line
            and "Error" not in line
        )[-3000:]
    )
    assert figures["5xx answers"] == "0" and figures["lost"] == "0"
    assert int(figures["faults injected"]) >= 10
    assert int(figures["interviews started"]) >= 10 and int(figures["posted"]) >= 5
    assert int(figures["requests served"]) >= 300
    assert "verdict: OK" in out
