"""gunicorn settings for the web process (Procfile, deploy/systemd/cma-web.service).

Sync workers (2 × cores + 1 by default), each holding at most one persistent database connection
(CONN_MAX_AGE, checked before reuse): the connections PostgreSQL sees are bounded by WEB_CONCURRENCY
per web host. WEB_THREADS > 1 makes them threaded (gthread: keep-alive, each thread its own
connection, so WEB_CONCURRENCY × WEB_THREADS of them). On the 2-core development machine, under 50
users, 2 × 4 threads served the mix somewhat faster than 5 sync workers but with a much longer tail
(p99 seconds, the bare page too), so sync stays the default; the pages are CPU-bound, and threads
share one interpreter lock per worker.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# WEB_THREADS > 1: threaded workers (gthread), each thread with its own database connection.
threads = int(os.environ.get("WEB_THREADS", "1"))
if threads > 1:
    worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))  # a certificate PDF renders in well under a second
graceful_timeout = 30
# Recycle workers now and then, so a slow leak in a library never grows without bound. Not too often:
# a new worker spends about 1.4 s of CPU importing and warming up (measured on the 2-core machine),
# and at 2,000 requests each of five workers under load restarted every minute or so.
max_requests = 10000
max_requests_jitter = 1000
# Only the local proxy may set X-Forwarded-* (pair with SECURE_PROXY_SSL_HEADER in the environment).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
