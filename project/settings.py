"""Settings, read from the environment with safe development defaults.

DEBUG is off unless the environment turns it on: `make run` sets DEBUG=1 for the demo, the tests use
project/settings_test.py. Production: set SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, CELERY_BROKER_URL,
CACHE_URL and the signing key; `DEBUG=0 manage.py check --deploy` is clean with the secure defaults.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(int(default))).lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Core ---------------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
# The development default is only accepted while DEBUG is on.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-change-me"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI assets served locally: no CDN
    "django_celery_beat",
    "viewflow",
    "viewflow.workflow",
    "audit",
    "outbox",  # side effects written with the state change, delivered by the worker (bottom floor)
    "approvals",
    "documents",
    "workflows",
    "metrics",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "project.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "project.middleware.BadInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "project.middleware.ContentSecurityPolicyMiddleware",  # django-csp's, its usual policy built once
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the lockout page
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
ASGI_APPLICATION = "project.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "project" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "project.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
# Persistent connections suit a fixed pool of worker processes (gunicorn); the threaded development
# server opens one per request thread, so there they close after each request. A connection the server
# dropped is replaced before use (health check) instead of failing one request.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0" if DEBUG else "60")),
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", True),
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# The hottest statements are prepared once per connection on PostgreSQL (the `prepared` package). Off
# behind a pooler that does not keep a session's prepared statements (PgBouncer in transaction mode).
PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker share the file: wait for a lock instead of failing, and take the
    # write lock at BEGIN so a transaction never fails half-way on a lock upgrade.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}

# --- Auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "approvals.User"
AUTHENTICATION_BACKENDS = [
    "approvals.authentication.LoginLockoutBackend",  # first: a locked-out login is refused before any password check
    # ModelBackend with the permission set cached between requests (see approvals.permissions)
    "approvals.permissions.CachedPermissionsBackend",
    "approvals.permissions.AgencyObjectBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username from one
# address, that pair is refused for the cool-off period, on the login page and the token endpoint.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Tries during the lock do not extend it: "try again in 15 minutes" stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"  # counts survive the request's rollback
AXES_LOCKOUT_CALLABLE = "project.lockout.lockout_response"
AXES_VERBOSE = False
# The caller's address: REMOTE_ADDR unless a trusted proxy sets a header (e.g. HTTP_X_REAL_IP); never a
# header any client can send, or the lockout is evaded by changing it.
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "REMOTE_ADDR")
AXES_IPWARE_META_PRECEDENCE_ORDER = (CLIENT_IP_HEADER, "REMOTE_ADDR")
# API tokens expire this many hours after they are issued, and are revoked on logout.
API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", "12"))
# Sign-up: at most this many attempts per address per hour.
SIGN_UP_RATE_PER_HOUR = int(os.environ.get("SIGN_UP_RATE_PER_HOUR", "5"))

# --- Internationalisation: Chinese first, China's time zone -------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "project" / "static"]
STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder", "project.staticfinders.AppDirectoriesFinder"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploaded and generated documents live outside any public path and are served only through
# permission-checked views; there is deliberately no MEDIA_URL route.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "files"))
# Called (dotted paths, keyword ``application``) in the transaction that ends an application: the flow
# reaches the apps above it only through this (workflows.hooks).
CMA_APPLICATION_ENDED_HOOKS = ["metrics.services.facts_schedule"]
# Called (keyword ``change``) in the transaction of every status change of an application: the
# applicant is told of each (in-app, e-mail, SMS). approvals calls them without importing the floor above.
CMA_STATUS_CHANGED_HOOKS = ["workflows.notifications.applicant.status_changed"]
# Text messages: a dotted path to a workflows.notifications.sms.SmsBackend; the default only logs them.
CMA_SMS_BACKEND = os.environ.get("CMA_SMS_BACKEND", "workflows.notifications.sms.LoggingSmsBackend")
# A reform simulation over at most this many applications is replayed in the request; a larger one
# runs in the worker, with progress.
CMA_SIMULATION_INLINE = int(os.environ.get("CMA_SIMULATION_INLINE", "5000"))
# Five-reductions exports (files under MEDIA_ROOT/exports) are deleted after this many days.
CMA_EXPORT_KEEP_DAYS = int(os.environ.get("CMA_EXPORT_KEEP_DAYS", "7"))

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "approvals.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "approvals.api.schema.ProductAutoSchema",
    # JSON in, JSON out: the upload endpoint declares its own multipart parser
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PAGINATION_CLASS": "approvals.pagination.StrictPageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "approvals.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "auth": os.environ.get("API_AUTH_RATE", "30/minute"),
        "public_lookup": os.environ.get("PUBLIC_LOOKUP_RATE", "120/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CMA qualification approval API",
    "DESCRIPTION": "检验检测机构资质认定 — integration API for the provincial service platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery -------------------------------------------------------------------------------------
# Without CELERY_BROKER_URL the web process runs tasks in-process (eagerly), so the default set-up
# needs no services, and `manage.py run_worker` runs beat (the periodic jobs) and a worker over a
# queue kept in files under var/celery (kombu's filesystem transport): nothing needs Redis.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_FILESYSTEM_QUEUE = Path(os.environ.get("CELERY_FILESYSTEM_QUEUE", BASE_DIR / "var" / "celery"))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Survive a broker outage: keep reconnecting (at start too) instead of exiting after 100 tries.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A task whose worker died unacknowledged is redelivered after this long (Redis), not after an hour;
# the outbox reconciler usually sends it again sooner (CMA_OUTBOX_RETRY_SECONDS).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "300"))}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Registered in django-celery-beat's tables when beat starts (editable there afterwards).
CELERY_BEAT_SCHEDULE = {
    "outbox-reconcile": {  # side effects not done CMA_OUTBOX_RETRY_SECONDS after scheduling are sent again
        "task": "outbox.reconcile",
        "schedule": float(os.environ.get("CMA_OUTBOX_RECONCILE_SECONDS", "60")),
        "options": {"expires": 50},
    },
    "statutory-clocks": {
        "task": "workflows.tasks.clocks_check",
        "schedule": float(os.environ.get("CMA_CLOCKS_CHECK_SECONDS", "900")),
        "options": {"expires": 600},
    },
    "clocks-tick": {  # the legal effects of the clocks (视为受理, 视为放弃, 整改逾期), just after midnight
        "task": "workflows.tasks.clocks_tick",
        "schedule": crontab(hour=0, minute=10),
        "options": {"expires": 3600},
    },
    "metrics-exports-purge": {  # five-reductions exports older than CMA_EXPORT_KEEP_DAYS
        "task": "metrics.tasks.exports_purge",
        "schedule": 86400.0,
        "options": {"expires": 3600},
    },
}

# The outbox (outbox/): a side effect not done this long after it was scheduled (or last sent) is
# published again by the reconciler; after this many failures it waits for the admin; done rows are
# kept this many days.
CMA_OUTBOX_RETRY_SECONDS = float(os.environ.get("CMA_OUTBOX_RETRY_SECONDS", "60"))
CMA_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("CMA_OUTBOX_MAX_ATTEMPTS", "12"))
CMA_OUTBOX_KEEP_DAYS = float(os.environ.get("CMA_OUTBOX_KEEP_DAYS", "7"))

# --- E-mail -------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@cma.example.gov.cn")

# --- Caches -------------------------------------------------------------------------------------
# Throttles and login lockout count in the cache: in production it must be shared by every worker
# process (CACHE_URL=redis://host:6379/1); without it each process keeps its own (demo, tests).
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    # Django's Redis cache with its clients reused (project/cache.py)
    CACHES = {"default": {"BACKEND": "project.cache.RedisCache", "LOCATION": CACHE_URL}}
    # Sessions read from the shared cache, written through to the database: a page no longer pays a
    # query for its session. Only with a shared cache: a per-process one would keep a session alive in
    # the other processes after logging out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
elif CACHE_URL:
    raise RuntimeError(f"CACHE_URL must be a redis:// URL, not {CACHE_URL.split(':', 1)[0]}:")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if DEBUG:  # the demo is one process: its own memory is the shared cache (production is warned)
        SILENCED_SYSTEM_CHECKS = ["axes.W001"]

# How long a user's permission set may be served from the cache (a role change empties it at once
# when every process shares the cache).
CMA_PERMISSION_CACHE_SECONDS = int(os.environ.get("CMA_PERMISSION_CACHE_SECONDS", "60"))
# How long the dashboard's figures (from the facts' roll-ups and the rule sets) may be served from the
# cache; any write of either empties it at once when every process shares the cache (0: always computed).
CMA_DASHBOARD_CACHE_SECONDS = int(os.environ.get("CMA_DASHBOARD_CACHE_SECONDS", "30"))

# --- The product --------------------------------------------------------------------------------
# Issuing authority code in the certificate number (00 national, 24 Guizhou).
# Separation of duties: one person may not take two of the authority's steps of one application
# (superusers included). Off only for an office where one person does everything.
CMA_SEPARATION_OF_DUTIES = os.environ.get("CMA_SEPARATION_OF_DUTIES", "1") == "1"
CMA_AUTHORITY_CODE = os.environ.get("CMA_AUTHORITY_CODE", "24")
CMA_AUTHORITY_NAME = os.environ.get("CMA_AUTHORITY_NAME", "贵州省市场监督管理局")
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-pass-2026")
# Statutory clocks: remind the task holder this many working days before the due date, the
# applicant this many before their supplement/rectification period ends; escalate overdue tasks
# to the users of this group (the service centre by default).
CMA_REMINDER_WORKING_DAYS = int(os.environ.get("CMA_REMINDER_WORKING_DAYS", "2"))
CMA_APPLICANT_REMINDER_WORKING_DAYS = int(os.environ.get("CMA_APPLICANT_REMINDER_WORKING_DAYS", "5"))
CMA_ESCALATION_GROUP = os.environ.get("CMA_ESCALATION_GROUP", "monitor")
# How long a process trusts its cached calendar year before checking for an edit elsewhere.
CMA_CALENDAR_CACHE_SECONDS = int(os.environ.get("CMA_CALENDAR_CACHE_SECONDS", "60"))

# --- Documents: uploads and signed certificates -------------------------------------------------
DOCUMENT_MAX_UPLOAD_BYTES = int(float(os.environ.get("DOCUMENT_MAX_UPLOAD_MB", "20")) * 1024 * 1024)
# Images above this many pixels are refused from their header, before any pixel is decoded.
DOCUMENT_MAX_IMAGE_PIXELS = int(os.environ.get("DOCUMENT_MAX_IMAGE_PIXELS", "40000000"))
# The certificate signing key (Ed25519): either the key itself (PEM, or base64 of the 32 raw bytes)
# or a PEM file; the key id names it in every signature, so a rotated key's certificates still verify.
CERT_SIGNING_KEY = os.environ.get("CERT_SIGNING_KEY", "")
CERT_SIGNING_KEY_FILE = os.environ.get("CERT_SIGNING_KEY_FILE", "")
CERT_SIGNING_KEY_ID = os.environ.get("CERT_SIGNING_KEY_ID", "")
# The X.509 certificate (PEM file) of that key for the PDFs' embedded signature; without one the key
# certifies itself (a self-signed certificate derived from the key, published at /verify/keys.json).
CERT_SIGNING_X509_FILE = os.environ.get("CERT_SIGNING_X509_FILE", "")
# Without a configured key, development generates one on first use here (never with DEBUG off).
CERT_SIGNING_DEV_KEY_DIR = Path(os.environ.get("CERT_SIGNING_DEV_KEY_DIR", BASE_DIR / "var" / "keys"))
CERT_SIGNING_DEV_KEY_ALLOWED = env_bool("CERT_SIGNING_DEV_KEY_ALLOWED", DEBUG)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- Content-Security-Policy (django-csp) --------------------------------------------------------
# Scripts and styles only from our own static files: no inline script, no inline style attribute.
# The API docs page loosens style-src for itself only (Swagger UI sets inline styles).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- HTTPS (production behind a TLS-terminating proxy) -------------------------------------------
# Secure by default with DEBUG off; each can be turned off from the environment (e.g. the tests, which
# speak plain HTTP). SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https" trusts the proxy's header:
# set it only when the proxy overwrites that header on every request.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
_proxy_header = env_list("SECURE_PROXY_SSL_HEADER", "")
if _proxy_header:
    if len(_proxy_header) != 2:
        raise RuntimeError("SECURE_PROXY_SSL_HEADER is 'HEADER,value', e.g. HTTP_X_FORWARDED_PROTO,https")
    SECURE_PROXY_SSL_HEADER = tuple(_proxy_header)
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
