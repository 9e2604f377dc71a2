"""The production units: the worker and beat run under systemd, restarted whatever kills them.
The failure tests (test_failures.py) start their worker and beat from these same command lines."""

import shutil
import subprocess

import pytest

from .processes import ROOT, UNITS, unit_command, unit_file


@pytest.mark.parametrize("name", ["cma-worker.service", "cma-beat.service"])
def test_the_unit_always_restarts_and_never_gives_up(name):
    unit = unit_file(name)
    assert unit["Service"]["Restart"] == "always"
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"  # no burst limit that would leave it stopped
    assert unit_command(name)[:2] == ["-A", "project"]


def test_the_worker_skips_the_steps_that_break_on_a_lost_broker():
    assert {"--without-gossip", "--without-mingle"} <= set(unit_command("cma-worker.service"))


@pytest.mark.parametrize("name", ["cma-worker.service", "cma-beat.service"])
def test_systemd_accepts_the_unit(name, tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    # The example paths and user point at this checkout (verify checks that the program exists).
    text = (UNITS / name).read_text(encoding="utf-8")
    text = text.replace("/opt/cma/.venv/bin/celery", str(ROOT / ".venv" / "bin" / "celery")).replace("/opt/cma", str(ROOT))
    text = text.replace("EnvironmentFile=/", "EnvironmentFile=-/")
    text = "\n".join(line for line in text.splitlines() if not line.startswith(("User=", "Group=")))
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / name)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Unknown" not in result.stderr and "Invalid" not in result.stderr, result.stderr
