"""The reform simulator over a period of 100,000 ended applications, as the worker runs it.

Writes the applications with the records the real flow leaves (``demo.bulk``), then replays them the
way the background run does (``metrics.simulation.services.simulation_run``: batches, progress after
each), under a proposal that touches every kind of change (a limit, the commitment track opened to
first applications, a document made data-shared, the time scaled with the limits). Prints its time
(target: under 60 s at 100,000), the progress it reported, the self-check, and the ratio to the
dashboard's own aggregation of the same period measured in the same run. Ends with one JSON line.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/simulate.py [--applications 100000]
    ... python bench/simulate.py --applications 300     # a smoke run for CI
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench.jsonline import emit  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--tiny", action="store_true", help="300 applications: checks that it runs")
    args = parser.parse_args()
    if args.tiny:
        args.applications = 300
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a PostgreSQL server")
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"test_{old_name}_simulate"
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        print(f"(dropped {test_name})", file=sys.stderr)


def run(args) -> None:
    from approvals.models import Agency, User
    from approvals.validators import credit_code_check_char
    from demo.bulk import Bulk
    from metrics import selectors
    from metrics.models import ReformSimulation
    from metrics.simulation import Proposal
    from metrics.simulation.services import simulation_run

    agencies = []
    for n in range(1, 101):
        body = f"91520100XMN{n:06d}"
        agencies.append(Agency(name=f"模拟检测机构{n}", credit_code=body + credit_code_check_char(body), address="贵阳",
                               legal_representative="甲", contact_name="乙", contact_phone="1"))
    Agency.objects.bulk_create(agencies)
    User.objects.create(username="bench-applicant", agency=Agency.objects.order_by("pk").first())
    monitor = User.objects.create(username="bench-monitor")
    start = time.perf_counter()
    Bulk(seed=args.seed, agencies=100).run(count=args.applications, since=date(2019, 1, 2), until=date(2026, 6, 30),
                                           commitment=0.1, batch=5000)
    built = time.perf_counter() - start
    connection.cursor().execute("ANALYZE")
    print(f"built {args.applications:,} ended applications with their records in {built:.1f} s "
          f"({args.applications / built:,.0f}/s)")

    proposal = Proposal.from_json({"rule_set": "national-2021", "limits": {"review": 20},
                                   "commitment_types": ["initial"], "shared_documents": ["premises"],
                                   "assumption": "scales"})
    simulation = ReformSimulation.objects.create(requested_by=monitor, proposal=proposal.as_json(),
                                                 rows_total=args.applications)
    start = time.perf_counter()
    simulation_run(simulation_id=simulation.pk)  # what the worker's task does
    seconds = time.perf_counter() - start
    simulation.refresh_from_db()
    result = simulation.result
    check = result["self_check"]

    times = []
    for _ in range(5):
        t = time.perf_counter()
        selectors.five_reductions(filters=selectors.Filters())
        times.append(time.perf_counter() - t)
    aggregation = statistics.median(times)
    now, then = result["current"]["reductions"], result["proposed"]["reductions"]
    print(f"simulation of {result['applications']:,} applications: {seconds:.1f} s "
          f"({result['applications'] / seconds:,.0f}/s) [{'OK' if seconds < 60 else 'OVER 60 s'}]; "
          f"state {simulation.state}, progress {simulation.progress_pct}%")
    print(f"self-check (replay under the rules that applied = recorded facts): "
          f"{'yes' if check['reproduces_recorded_figures'] else 'NO'} ({check['mismatched']} differ)")
    print(f"dashboard's own aggregation of the period: {aggregation * 1000:.1f} ms; simulation / aggregation "
          f"= {seconds / aggregation:,.0f}x")
    for key in ("steps", "time", "documents"):
        print(f"  {key}: {now[key]['reduction_pct']}% → {then[key]['reduction_pct']}%")
    emit("simulate", {
        "applications": result["applications"], "seconds": seconds, "under_60_s": seconds < 60,
        "applications_per_s": result["applications"] / seconds, "self_check": check["reproduces_recorded_figures"],
        "aggregation_ms": aggregation * 1000, "ratio_to_aggregation": seconds / aggregation,
        "bulk_applications_per_s": args.applications / built,
    })


if __name__ == "__main__":
    main()
