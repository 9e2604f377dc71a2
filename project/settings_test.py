"""Test settings: the production settings with DEBUG off, over plain HTTP, with test-only keys.

Set as environment defaults before the settings are read, so the processes the tests start (a worker,
a management command) read the same.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-a-secret")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("CERT_SIGNING_DEV_KEY_ALLOWED", "1")
# Not a loopback address, so the SITE_URL start-up warning stays out of test output (tests that need it set it).
os.environ.setdefault("SITE_URL", "http://testserver")

from .settings import *  # noqa: E402,F403
