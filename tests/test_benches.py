"""Every benchmark in bench/ runs on a fresh checkout: each at its --tiny size, ending with its JSON line.

Marked ``bench`` (and ``postgres``: the benches measure PostgreSQL, so CI, where REQUIRE_SERVICES is
set, may not skip them). Each bench makes and drops its own database, named after the one DATABASE_URL
names plus a suffix, never the test database itself.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Modules the benches import, not benches themselves.
HELPERS = {"datasets.py", "jsonline.py", "queue_figures.py", "http_load.py", "http_wsgi.py"}
NEEDS_POSTGRES = {"dashboard.py", "lifecycle.py", "queue.py", "queue_pages.py", "http.py", "simulate.py",
                  "audit_chain.py"}
# Figures each JSON line must carry (positive numbers), so a bench that measures nothing fails.
REQUIRED = {
    "pdf": ["product_median_ms", "direct_median_ms", "ratio_product_direct"],
    "queue": ["bare_page1_median_ms", "api_page1_p95_ms", "html_page1_p95_ms", "api_page1_statements"],
    "queue_pages": ["claimable_keyset_first_ms", "claimable_request_first_ms"],
    "dashboard": ["ratio_to_sql_dashboard", "bulk_applications_per_s"],
    "simulate": ["seconds", "applications_per_s", "aggregation_ms"],
    "audit_chain": ["bare_ms", "row_ms", "verify_rows_per_s"],
    "lifecycle": ["bare_commit_ms", "completion_median_ms", "statements_per_completion"],
    "http": ["rps", "p95_ms", "paced_rps", "paced_p95_ms", "bare_rps", "ratio_bare"],
}

pytestmark = pytest.mark.bench


def bench_database_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    # The benches derive their databases from this name (test_<name>, <name>_bench_queue, …): a name of
    # its own, so no bench ever touches the database the tests run in.
    name = urlsplit(url).path.lstrip("/") or "postgres"
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}_benchsmoke"))


def test_every_bench_is_listed_here():
    scripts = {path.name for path in (ROOT / "bench").glob("*.py")} - HELPERS
    assert scripts == NEEDS_POSTGRES | {"pdf.py"}, scripts
    assert {name.removesuffix(".py") for name in scripts} == set(REQUIRED)


@pytest.mark.postgres
@pytest.mark.parametrize("script", sorted(NEEDS_POSTGRES | {"pdf.py"}))
def test_the_bench_runs_tiny_and_ends_with_its_json_line(script):
    # A shell's environment, not the test run's (whose settings module exports test-only variables).
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR") if key in os.environ}
    if script in NEEDS_POSTGRES:
        url = bench_database_url()
        if url is None:
            pytest.skip("the benches measure PostgreSQL: set DATABASE_URL")
        env["DATABASE_URL"] = url
    else:
        env.pop("DATABASE_URL", None)
    args = [sys.executable, str(ROOT / "bench" / script), "--tiny"]
    if script == "http.py":
        args += ["--port", os.environ.get("BENCH_HTTP_PORT", "8765")]
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["bench"] == script.removesuffix(".py")
    # bench.jsonline's header, so every run can be placed in time and beside the machine's load.
    assert list(figures)[:4] == ["bench", "measured_at", "load_average", "cpus"], figures
    for key in REQUIRED[figures["bench"]]:
        assert isinstance(figures[key], int | float) and figures[key] > 0, (key, figures)
    if script == "http.py":
        assert figures["errors"] == 0 and figures["paced_errors"] == 0 and figures["bare_errors"] == 0, figures
        # The paced run keeps to its schedule (random arrivals: a wide band) instead of running flat out.
        assert 0.25 * figures["rate_offered"] <= figures["paced_rps"] <= 2 * figures["rate_offered"], figures
