"""The product under HTTP load: gunicorn with the production settings, many users, a realistic mix.

Starts gunicorn (``DEBUG=0``, the project's deploy/gunicorn.conf.py) on 127.0.0.1 against a PostgreSQL
database it fills first (bench/datasets.py: ``--applications`` through the ordinary track, ~10 task
rows each; plus ``--certified`` applications driven through the real flow to a signed certificate),
then runs ``--users`` virtual users (one event loop, a connection each) over the mix below, twice,
and prints per endpoint each time: requests, req/s, p50/p95/p99 and errors.
  capacity — for ``--duration`` seconds each user sends its next request as soon as the last is
             answered: the throughput is what the server can do; the latency is then mostly the wait in
             the queue (about users / throughput), so it says little about the pages.
  paced    — for ``--paced-duration`` seconds the same users offer ``--rate`` req/s together (150, the
             throughput target), each on a random (Poisson) schedule of its own; a request's latency
             counts from when it was due, so a user held up by a slow answer is charged for it. This is
             the latency the p95 target is judged on: the users' experience at the required load.
             ``--more-rates 200,250`` runs it again at those rates: how far above the target it holds.
Then the same users request a bare Django page (a view returning "ok" through the same middleware, on
the same server) flat out for ``--bare-duration`` seconds: the ratio of the two capacities is the
product's share of what Django itself can serve here. The static files are collected first, as a
deployment does.

The mix (weights): officials' queues (HTML, API), their inbox, the official's application page;
applicants' application lists (HTML, API); public certificate verification (anonymous); the service
centre's dashboard page and the five-reductions API. Any status other than 200 is an error.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/http.py [--users 50 --duration 60]

The database ``<name>_bench_http`` is created and dropped (``--keep`` keeps it, ``--reuse`` measures a
kept one again). The last line is one JSON object (bench "http"); ``--tiny`` runs 4 users for 3 s on
300 applications.
"""

import sys
from pathlib import Path

if __name__ == "__main__":
    # Not this folder first on the path (this file would shadow the standard library's http), the
    # project root instead.
    _here = Path(__file__).resolve().parent
    sys.path[:] = [str(_here.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _here]
    from bench.http_load import main

    main()
else:
    # Something imported the standard library's ``http`` with this folder on the path: give it the real one.
    import importlib.util
    import sysconfig

    _spec = importlib.util.spec_from_file_location(
        "http", Path(sysconfig.get_path("stdlib")) / "http" / "__init__.py",
        submodule_search_locations=[str(Path(sysconfig.get_path("stdlib")) / "http")])
    _stdlib_http = importlib.util.module_from_spec(_spec)
    sys.modules[__name__] = _stdlib_http
    _spec.loader.exec_module(_stdlib_http)
