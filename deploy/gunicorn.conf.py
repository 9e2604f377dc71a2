"""gunicorn settings for the web process (Procfile, deploy/systemd/cma-web.service).

Sync workers, each holding at most one persistent database connection (CONN_MAX_AGE): the
connections PostgreSQL sees are bounded by WEB_CONCURRENCY per web host.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))  # a certificate PDF renders in well under a second
graceful_timeout = 30
# Recycle workers now and then, so a slow leak in a library never grows without bound.
max_requests = 2000
max_requests_jitter = 200
# Only the local proxy may set X-Forwarded-* (pair with SECURE_PROXY_SSL_HEADER in the environment).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
