"""A user's clone has no ../shared/ beside it: the tests that read it must skip there, with a reason.

The suite's modules that read ../shared/ are run from a copy of the repository in a folder with no
shared/ beside it, as a user who cloned the project has it, with CI unset.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
READS_SHARED = re.compile(r"\bneed_shared\(|\bSHARED\b")


def modules_that_read_shared() -> list[str]:
    return sorted(
        path.name
        for path in (REPO / "tests").glob("test_*.py")
        if path.name != Path(__file__).name and READS_SHARED.search(path.read_text())
    )


def copy_without_shared(tmp_path: Path) -> Path:
    clone = tmp_path / "clone" / "tavus-slack"
    ignore = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.db*", "test-artifacts", ".pytest_*")
    for part in ("bot", "handlers", "sim", "tests", "bench"):
        shutil.copytree(REPO / part, clone / part, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "manifest.yml"):
        shutil.copy(REPO / name, clone / name)
    assert not (clone.parent / "shared").exists()
    return clone


def test_the_shared_reading_tests_skip_with_a_reason_in_a_clone_without_shared(tmp_path):
    modules = modules_that_read_shared()
    assert "test_tavus_contract.py" in modules  # the grep finds what it should
    clone = copy_without_shared(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS")}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-n", "0",
         *[f"tests/{m}" for m in modules]],
        cwd=clone, env=env, capture_output=True, text=True, timeout=300,
    )
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-4000:]
    assert " error" not in out.splitlines()[-1], out[-4000:]
    assert "a user's clone has no ../shared/" in out, out[-4000:]
