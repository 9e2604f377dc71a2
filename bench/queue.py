"""An official's queue at 100,000 applications and about a million task rows, on PostgreSQL.

Prints the median and p95 server time of the acceptance officer's queue (soonest due first, paged by
(due_date, id) keys) through the REST API and as the HTML page, on the first page and on a page deep
in the queue. Server time is the whole Django request cycle (middleware, authentication, selector,
serializer or template), measured in-process with the test client. Also: the SQL statements each
costs (none may be a COUNT), and the ratio to the bare SQL query that fetches the same rows (prepared,
planned once, as the product's own query is; also shown sent as text and planned on every run), measured
in the same run. Target: p95 under 10 ms, no COUNT(*), the same statement count on page 1 as deep
in the queue. Last, the framework's floor: the same request cycle (sign-in, the permission set, DRF
or the page layout) with no query and no rows, against the same bare SQL: what any page of this
stack costs before it reads anything.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/queue.py [--applications 100000]

``BENCH_CACHE_URL=redis://…`` measures with the production cache (sessions and permission sets read
from Redis, as ``CACHE_URL`` configures them); without it, the per-process cache and database sessions.
DATABASE_URL names the server; the script creates its own database (<name>_bench_queue), fills it with
COPY and drops it at the end (``--keep`` leaves it; ``--reuse`` measures a kept one again).

The data: every application runs the ordinary track with 0–2 supplement and 1–4 rectification rounds
(about ten human steps each), computed on the real working-day calendar, so due dates, carried and
stopped days are what the flow would have written; 80% are finished, the newest 20% wait at some step.
Each step has its viewflow task row (plus each process's start and end task). Not generated, because
no queue reads them: status changes, deficiencies, certificates, viewflow's task-to-task links.
"""

import sys
from pathlib import Path

if __name__ == "__main__":
    # Not this folder first on the path (this file would shadow the standard library's queue),
    # the project root instead.
    _here = Path(__file__).resolve().parent
    sys.path[:] = [str(_here.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _here]
    from bench.queue_figures import main

    main()
else:
    # Another script in this folder imported the standard library's ``queue`` (concurrent.futures,
    # psycopg and asgiref do) and found this file first: give it the real module.
    import importlib.util
    import sysconfig

    _spec = importlib.util.spec_from_file_location("queue", Path(sysconfig.get_path("stdlib")) / "queue.py")
    _stdlib_queue = importlib.util.module_from_spec(_spec)
    sys.modules[__name__] = _stdlib_queue
    _spec.loader.exec_module(_stdlib_queue)
