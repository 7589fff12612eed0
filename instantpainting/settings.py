"""InstantPainting settings: one file, driven by the environment.

The embedded profile (SQLite, in-memory channel layer, in-process worker, local media) is the
default. Setting DATABASE_URL, REDIS_URL and S3_BUCKET moves the site onto PostgreSQL, Redis and
an S3-compatible bucket; nothing else in the code branches on the profile. Every variable is
listed in the README.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def envfloat(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the env, else one generated once and kept in var/ (never in git)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


# Off unless asked: `make run` asks for the local demo (on a loopback HOST only).
DEBUG = envbool("DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "")  # absolute base for share links when behind a proxy
# Behind N reverse proxies, the client address is the Nth entry from the right of X-Forwarded-For;
# with 0 the header is ignored (anyone could send one to dodge the per-IP limits).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
# allauth reads the client address for its own rate limits (login failures, sign-ups); with its
# default of 0 behind a proxy, every visitor was the proxy, and one client's failures locked out all.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "instantpainting.apps.InstantPaintingConfig",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.weixin",
    "accounts",
    "generation",
    "gallery",
]

MIDDLEWARE = [
    "instantpainting.timing.ServerTimingMiddleware",  # first: times everything below it
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "instantpainting.csp.ContentSecurityPolicyMiddleware",
]

# --- HTTPS (README, "Running in production") -------------------------------------------------
# HTTPS=true is the switch for a site served over TLS: redirect to https, HSTS for a year, Secure
# cookies. Each part can be set on its own. Behind a TLS-terminating proxy, also set
# SECURE_PROXY_SSL_HEADER (e.g. X-Forwarded-Proto) so that Django, links and the API's ws_url
# know the request was https; only when the proxy sets (and overwrites) that header.
HTTPS = envbool("HTTPS", False)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = envbool("SECURE_COOKIES", HTTPS)
_proxy_ssl_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "")
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (instantpainting/csp.py); CSP="" sends none, CSP_REPORT_ONLY=true only reports.
_s3_origin = os.environ.get("S3_ENDPOINT_URL", "").rstrip("/")
CSP = os.environ.get(
    "CSP",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    f"img-src 'self' data: blob: {_s3_origin}".rstrip()
    + "; connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self' https:; frame-ancestors 'none'",
)
CSP_REPORT_ONLY = envbool("CSP_REPORT_ONLY", False)

ROOT_URLCONF = "instantpainting.urls"
ASGI_APPLICATION = "instantpainting.asgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gallery.context_processors.notifications",
                "instantpainting.pwa.theme",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Never a persistent connection: under ASGI every request may run on another thread, and a
    # connection kept per thread ran PostgreSQL out of connections under load (Django's docs say
    # so too). Instead each process keeps a pool (psycopg_pool) of at most DB_POOL_MAX_SIZE
    # connections; a request waits up to DB_POOL_TIMEOUT seconds for one. Size it so that
    # (web processes + workers) × DB_POOL_MAX_SIZE stays under PostgreSQL's max_connections.
    # DB_POOL_MAX_SIZE=0: no pool, a connection per request.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and envint("DB_POOL_MAX_SIZE", 20):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": envint("DB_POOL_MIN_SIZE", 2),
            "max_size": envint("DB_POOL_MAX_SIZE", 20),
            "timeout": envfloat("DB_POOL_TIMEOUT", 10.0),
            "max_idle": 300,
        }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "db.sqlite3")),
            # WAL + IMMEDIATE transactions + a busy timeout: the web threads and the in-process
            # worker write concurrently without "database is locked".
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- channels / realtime -------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py's pool holds 100 connections unless told; every socket that opens
                # (all at once after a restart) needs one for a moment to join its group.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": envint("CHANNEL_REDIS_MAX_CONNECTIONS", 1000),
                        "socket_connect_timeout": 5,
                        "retry_on_timeout": True,
                        "health_check_interval": 30,
                    }
                ],
                # Messages waiting per channel before new ones are dropped (a slow socket).
                "capacity": envint("CHANNEL_CAPACITY", 1000),
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- cache ----------------------------------------------------------------------------------
# Shared by every process: API throttles, allauth's login and sign-up limits, the admin login's
# failure counts. Redis in scale-out; in the embedded profile a table in the database (created
# by `migrate`), so the counts survive a restart. CACHE_URL overrides: redis://…, db://, locmem://.
CACHE_URL = os.environ.get("CACHE_URL", "") or REDIS_URL or "db://"


def redis_cache(location: str) -> dict[str, Any]:
    """The cache on Redis (django-redis). It fails open: while Redis is away a read misses and a
    write is dropped (logged), so limits stop counting for a moment but no request fails."""
    return {
        "BACKEND": "instantpainting.cache.FailOpenRedisCache",
        "LOCATION": location,
        "KEY_PREFIX": "ip",
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 1,
            "CONNECTION_POOL_KWARGS": {"max_connections": envint("CACHE_REDIS_MAX_CONNECTIONS", 50)},
        },
    }


# Not a traceback per cache call while Redis is away (the channel layer says so loudly enough).
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = False
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES: dict[str, dict[str, Any]] = {"default": redis_cache(CACHE_URL)}
elif CACHE_URL.startswith("locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "instantpainting_cache"}
    }

# --- jobs ----------------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "gpu"],
    }
}
# The one place that decides whether the worker runs inside the web process (embedded) or in
# separate `manage.py generation_worker` processes (scale-out).
WORKER_IN_PROCESS = envbool("WORKER_IN_PROCESS", not DATABASE_URL)
WORKER_POLL_SECONDS = envfloat("WORKER_POLL_SECONDS", 0.05)
WORKER_HEARTBEAT_SECONDS = envfloat("WORKER_HEARTBEAT_SECONDS", 2.0)
# A running job whose worker has not beaten for this long is presumed dead and retried.
WORKER_STALE_SECONDS = envfloat("WORKER_STALE_SECONDS", 15.0)
GENERATION_MAX_ATTEMPTS = envint("GENERATION_MAX_ATTEMPTS", 3)
GENERATION_RETRY_BACKOFF_SECONDS = envfloat("GENERATION_RETRY_BACKOFF_SECONDS", 2.0)
ENGINE_DEVICE = os.environ.get("ENGINE_DEVICE", "auto")

# --- generation limits ---------------------------------------------------------------------
MODELS_DIR = Path(os.environ.get("INSTANTPAINTING_MODELS_DIR", BASE_DIR / "models"))
DEFAULT_MODEL = os.environ.get("DEFAULT_MODEL", "demo-landscape")
RATE_LIMITS = {
    # concurrent = queued + running jobs at once; hourly = jobs created in the last hour.
    "user": {"concurrent": envint("LIMIT_USER_CONCURRENT", 4), "hourly": envint("LIMIT_USER_HOURLY", 120)},
    "guest": {"concurrent": envint("LIMIT_GUEST_CONCURRENT", 2), "hourly": envint("LIMIT_GUEST_HOURLY", 30)},
    "ip": {"concurrent": envint("LIMIT_IP_CONCURRENT", 8), "hourly": envint("LIMIT_IP_HOURLY", 240)},
}

# Queue positions go out at most once per tick per process, batched per owner (generation/queue.py).
QUEUE_TICK_SECONDS = envfloat("QUEUE_TICK_SECONDS", 0.5)
# Backpressure: with this many jobs waiting, new ones get 429 + Retry-After (0: no cap).
QUEUE_MAX_QUEUED = envint("QUEUE_MAX_QUEUED", 500)

# --- storage -------------------------------------------------------------------------------
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
S3_BUCKET = os.environ.get("S3_BUCKET", "")
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names (cached for a year, immutable) and gzip/brotli copies, built by collectstatic.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID"),
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY"),
            "region_name": os.environ.get("S3_REGION", "us-east-1"),
            "addressing_style": "path",
            "signature_version": "s3v4",
            "file_overwrite": False,
            # Private images are served by presigned, expiring URLs.
            "querystring_auth": True,
            "querystring_expire": envint("S3_URL_EXPIRE_SECONDS", 3600),
        },
    }
# In DEBUG, WhiteNoise serves the files the finders find (unhashed names), so a loopback `make run`
# needs no collectstatic; without DEBUG it serves STATIC_ROOT, which `make setup` fills.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Image uploads (avatars) are capped before Pillow sees them.
MAX_UPLOAD_BYTES = envint("MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
MAX_IMAGE_PIXELS = envint("MAX_IMAGE_PIXELS", 4096 * 4096)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES + 1024 * 1024
# A JSON body to the API: larger or deeper than this is a 400 (a request is a few hundred bytes).
API_JSON_MAX_BYTES = envint("API_JSON_MAX_BYTES", 256 * 1024)
API_JSON_MAX_DEPTH = envint("API_JSON_MAX_DEPTH", 32)

# --- auth ----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"  # usernames NFKC-normalised
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
# With a mail server, addresses are verified before the first login; then sign-up with an address
# that has an account answers like any other sign-up (and mails its owner), so it reveals nothing.
# Without one (the demo), verification is optional and sign-up must say the address is taken.
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "mandatory" if EMAIL_HOST else "optional")
ACCOUNT_PREVENT_ENUMERATION = True
# Wrong passwords at the admin login (/admin/login/): past either count within the window, 429.
ADMIN_LOGIN_FAILURES = {
    "ip": envint("ADMIN_LOGIN_FAILURES_IP", 20),
    "username": envint("ADMIN_LOGIN_FAILURES_USERNAME", 5),
    "seconds": envint("ADMIN_LOGIN_FAILURES_SECONDS", 900),
}
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = envint("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "InstantPainting <noreply@localhost>")

GALLERY_POPULAR_DAYS = envint("GALLERY_POPULAR_DAYS", 7)

SESSION_COOKIE_AGE = 60 * 60 * 24 * 30

# --- API -----------------------------------------------------------------------------------
REST_FRAMEWORK: dict[str, Any] = {
    # Token first, so a bad token answers 401 with WWW-Authenticate rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        # Session login, plus an Origin check for guests' posts (instantpainting/authentication.py).
        "instantpainting.authentication.GuardedSessionAuthentication",
    ],
    # JSON with size and depth limits (instantpainting/parsers.py), then forms and uploads.
    "DEFAULT_PARSER_CLASSES": [
        "instantpainting.parsers.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    # Every API view is throttled per address (guests) or per user unless it names its own scopes.
    "DEFAULT_THROTTLE_CLASSES": ["instantpainting.throttles.AnonThrottle", "instantpainting.throttles.UserThrottle"],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "EXCEPTION_HANDLER": "instantpainting.errors.api_exception_handler",
    "PAGE_SIZE": 24,
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON", "120/min"),
        "user": os.environ.get("THROTTLE_USER", "600/min"),
        "gallery_read": os.environ.get("THROTTLE_GALLERY_READ", "600/min"),
        "gallery_read_ip": os.environ.get("THROTTLE_GALLERY_READ_IP", "1200/min"),
        "gallery_write": os.environ.get("THROTTLE_GALLERY_WRITE", "60/min"),
        "gallery_write_ip": os.environ.get("THROTTLE_GALLERY_WRITE_IP", "120/min"),
        "gallery_report": os.environ.get("THROTTLE_GALLERY_REPORT", "20/hour"),
        "gallery_report_ip": os.environ.get("THROTTLE_GALLERY_REPORT_IP", "60/hour"),
        "comment_write": os.environ.get("THROTTLE_COMMENT_WRITE", "10/min"),
        "comment_write_ip": os.environ.get("THROTTLE_COMMENT_WRITE_IP", "30/min"),
        "avatar_upload": os.environ.get("THROTTLE_AVATAR_UPLOAD", "10/hour"),
        "avatar_upload_ip": os.environ.get("THROTTLE_AVATAR_UPLOAD_IP", "30/hour"),
        "picture_upload": os.environ.get("THROTTLE_PICTURE_UPLOAD", "30/hour"),
        "picture_upload_ip": os.environ.get("THROTTLE_PICTURE_UPLOAD_IP", "60/hour"),
        # The create page checks the prompt as people type: a budget of its own, so typing never
        # spends what Generate needs (the anon/user limits above).
        "prompt_check": os.environ.get("THROTTLE_PROMPT_CHECK", "120/min"),
        "prompt_check_ip": os.environ.get("THROTTLE_PROMPT_CHECK_IP", "600/min"),
        # Each try checks a password: few, so a stolen session or token cannot guess it.
        "account_delete": os.environ.get("THROTTLE_ACCOUNT_DELETE", "10/hour"),
        "account_delete_ip": os.environ.get("THROTTLE_ACCOUNT_DELETE_IP", "30/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "InstantPainting API",
    "DESCRIPTION": "Text-to-image generation with a one-pass GAN, and its community gallery.",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
}

# Server-Timing header on every response (instantpainting/timing.py), for benchmarks only.
SERVER_TIMING = envbool("SERVER_TIMING", False)

# --- image safety (instantpainting/safety.py) -------------------------------------------------
SAFETY_CHECK = envbool("SAFETY_CHECK", True)
SAFETY_UPLOAD_THRESHOLD = float(os.environ.get("SAFETY_UPLOAD_THRESHOLD", "0.8"))
SAFETY_PUBLISH_THRESHOLD = float(os.environ.get("SAFETY_PUBLISH_THRESHOLD", "0.8"))
SAFETY_THREADS = int(os.environ.get("SAFETY_THREADS", "1"))

# --- i18n ----------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_TZ = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}
