"""The cost of the tamper-evident record on PostgreSQL: one audit row (lock the chain head, hash,
insert, move the head) against a bare ``atomic()`` single-row update measured in the same run, the
rate of ``verify_audit``'s walk, and concurrent writers (threads) on one chain.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/audit_chain.py [--rows 2000]

A throw-away database (``test_<name>``) is created, migrated and dropped. Ends with one JSON line.
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only")

import django  # noqa: E402

django.setup()

from django.db import connection, connections, transaction  # noqa: E402

from bench.jsonline import emit  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--tiny", action="store_true", help="200 rows, 2 writers: checks that it runs")
    args = parser.parse_args()
    if args.tiny:
        args.rows, args.threads = 200, 2
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a PostgreSQL server")
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from audit.models import AuditHead
        from audit.services import audit_record, audit_verify

        audit_record(action="bench.start")
        head = AuditHead.objects.get(pk=1)
        for _ in range(100):  # warm-up
            with transaction.atomic():
                AuditHead.objects.filter(pk=head.pk).update(hash=head.hash)
        start = time.perf_counter()
        for _ in range(args.rows):
            with transaction.atomic():
                AuditHead.objects.filter(pk=head.pk).update(hash=head.hash)
        bare = (time.perf_counter() - start) / args.rows

        data = {"transition": "accept", "source": "submitted", "target": "accepted", "comment": "符合受理条件"}
        start = time.perf_counter()
        for i in range(args.rows):
            with transaction.atomic():
                audit_record(action="bench.row", application_id=i, summary=f"SQ2026{i:06d}", data=data)
        row = (time.perf_counter() - start) / args.rows

        per_thread = args.rows // args.threads
        barrier = threading.Barrier(args.threads)

        def write():
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    audit_record(action="bench.concurrent", application_id=i, data=data)
            connections.close_all()

        threads = [threading.Thread(target=write) for _ in range(args.threads)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        concurrent = (time.perf_counter() - start) / (per_thread * args.threads)

        start = time.perf_counter()
        result = audit_verify()
        walk = time.perf_counter() - start
        assert result.ok, result
        rate = result.checked / walk
        print(f"bare commit (atomic single-row update): {bare * 1000:.3f} ms")
        print(f"one audit row in its own transaction:   {row * 1000:.3f} ms = {row / bare:.1f} bare commits")
        print(f"{args.threads} concurrent writers, per row:       {concurrent * 1000:.3f} ms = {concurrent / bare:.1f} bare "
              f"commits (serialised on the chain head)")
        print(f"verify_audit walk: {result.checked} rows in {walk:.2f} s ({rate:,.0f} rows/s); chain intact")
        emit("audit_chain", {"bare_ms": bare * 1000, "row_ms": row * 1000, "row_vs_bare": row / bare,
                             "concurrent_row_ms": concurrent * 1000, "verify_rows_per_s": round(rate),
                             "rows": result.checked})
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
