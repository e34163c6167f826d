"""Mitreden settings: one module, driven by environment variables.

Defaults are for development on one machine (SQLite, in-memory channel layer, console e-mail).
Production sets at least DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL; the
README lists every variable.
"""

import importlib.util
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from error


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from error


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

_DEVELOPMENT_SECRET_KEY = "django-insecure-mitreden-development-only-never-use-in-production"
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Where the public site lives, for links in e-mails and the Wagtail admin.
WAGTAILADMIN_BASE_URL = env("BASE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "daphne",
    "consultations",
    "cms",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.search_promotions",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "template_partials",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "participation.middleware.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Cached pages for anonymous readers, before Wagtail routes (see cms/page_cache.py).
    "cms.page_cache.PageCacheMiddleware",
    # Must stay last: keeps the whole chain in one thread under ASGI (see its docstring).
    "participation.middleware.SyncChainMiddleware",
]

ROOT_URLCONF = "participation.urls"
WSGI_APPLICATION = "participation.wsgi.application"
ASGI_APPLICATION = "participation.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "cms.context_processors.navigation",
                "consultations.context_processors.account",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite by default; PostgreSQL when DATABASE_URL is set. Never CONN_MAX_AGE > 0: under ASGI
# every thread keeps its own connection and exhausts the server. PostgreSQL uses psycopg's pool.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if env_bool("DATABASE_POOL", True) and importlib.util.find_spec("psycopg_pool"):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN_SIZE", 2),
            "max_size": env_int("DATABASE_POOL_MAX_SIZE", 20),
            "timeout": 10,
        }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "consultations.User"

# --- Redis: channel layer and cache ---------------------------------------------------------
# Redis is a helper, never the truth: when it does not answer, pages are rendered uncached, live
# updates pause, rate limits count per process, and a background probe picks it up again (see
# participation/redis_guard.py). Short timeouts, so a hung Redis cannot hold up requests.
REDIS_URL = env("REDIS_URL")
REDIS_CONNECT_TIMEOUT = env_float("REDIS_CONNECT_TIMEOUT", 0.5)
REDIS_SOCKET_TIMEOUT = env_float("REDIS_SOCKET_TIMEOUT", 1.0)
# How often a process whose Redis went away asks it again; how often it says it is still away.
REDIS_RETRY_SECONDS = env_float("REDIS_RETRY_SECONDS", 2.0)
REDIS_LOG_SECONDS = env_float("REDIS_LOG_SECONDS", 60.0)
if REDIS_URL:
    _REDIS_PREFIX = env("REDIS_PREFIX", "mitreden")
    _REDIS_TIMEOUTS = {
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
        "socket_timeout": REDIS_SOCKET_TIMEOUT,
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, **_REDIS_TIMEOUTS}],
                "prefix": _REDIS_PREFIX,
            },
        }
    }
    # Two aliases for the same keys, differing only in what they do while Redis is away:
    # "default" (rate limits, allauth) counts in this process's memory, "pages" stores nothing.
    CACHES = {
        alias: {
            "BACKEND": "participation.cache.SharedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": _REDIS_PREFIX,
            "OPTIONS": {**_REDIS_TIMEOUTS, "FALLBACK": fallback},
        }
        for alias, fallback in (("default", "memory"), ("pages", "none"))
    }
else:
    # One process, no Redis: our in-process layer. It fans out as fast as the stock in-memory
    # one, but is also safe to send to from plain threads (the reaction tallies' timer); see
    # consultations/layers.py and docs/live-benchmarks.md.
    CHANNEL_LAYERS = {"default": {"BACKEND": "consultations.layers.InProcessChannelLayer"}}
    # Local-memory caches with one LOCATION share their data: "pages" is "default" here.
    CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "mitreden",
        }
        for alias in ("default", "pages")
    }

# Anonymous readers of editorial pages get cached HTML for this long (publishing clears it).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600)
# How long a page's live subscription token is taken on trust (consultations/live_tokens.py);
# never less than PAGE_CACHE_SECONDS, since cached pages carry tokens that old. Older tokens
# still work, checked against the rules and the socket's session like private ones.
LIVE_TOKEN_SECONDS = env_int("LIVE_TOKEN_SECONDS", 2 * PAGE_CACHE_SECONDS)

# --- Background tasks -----------------------------------------------------------------------
# README "Background tasks" and consultations/tasks/: a queue in the database (django-tasks-db),
# worked by ``manage.py db_worker``, one worker per queue. "default" carries short work (e-mail,
# notices, housekeeping, Wagtail's index updates); "long" carries jobs that take minutes (the
# panel draw), so that e-mail never waits behind them. TASKS_BACKEND=immediate runs every task
# in the process that enqueues it, at once (tests; a site run without workers).
TASK_QUEUES = ["default", "long"]
TASKS_BACKEND = env("TASKS_BACKEND", "database")
if TASKS_BACKEND == "database":
    TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": TASK_QUEUES,
            # Random ids, except where a periodic task asks for its period's key.
            "OPTIONS": {"id_function": "consultations.tasks.queue.new_task_id"},
        }
    }
elif TASKS_BACKEND == "immediate":
    TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": TASK_QUEUES,
        }
    }
else:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be database or immediate, got {TASKS_BACKEND!r}"
    )
# A failed attempt is tried again after TASK_RETRY_DELAY_SECONDS, doubling every time, at most
# TASK_RETRY_MAX_DELAY_SECONDS; each task says how many attempts it gets before it is given up.
TASK_RETRY_DELAY_SECONDS = env_float("TASK_RETRY_DELAY_SECONDS", 30.0)
TASK_RETRY_MAX_DELAY_SECONDS = env_float("TASK_RETRY_MAX_DELAY_SECONDS", 3600.0)
# Finished tasks are deleted after this many days (successful ones carry e-mails with links).
TASK_RESULTS_KEEP_DAYS = env_int("TASK_RESULTS_KEEP_DAYS", 2)
TASK_FAILED_KEEP_DAYS = env_int("TASK_FAILED_KEEP_DAYS", 30)

# --- Discussions ----------------------------------------------------------------------------
COMMENT_EDIT_MINUTES = env_int("COMMENT_EDIT_MINUTES", 15)
# Per person: at most this many comments per minute and per hour.
COMMENT_RATE_PER_MINUTE = env_int("COMMENT_RATE_PER_MINUTE", 3)
COMMENT_RATE_PER_HOUR = env_int("COMMENT_RATE_PER_HOUR", 30)
# Survey responses without an account, per network address and hour (shared addresses of
# schools and offices need room).
# Live survey results are recomputed at most this often per survey and process.
SURVEY_RESULTS_COALESCE_SECONDS = float(env("SURVEY_RESULTS_COALESCE_SECONDS", "1"))
SURVEY_RESPONSES_WITHOUT_ACCOUNT_PER_HOUR = env_int("SURVEY_RESPONSES_WITHOUT_ACCOUNT_PER_HOUR", 60)
# Who can hide a comment by reporting it (README, "Reports and auto-hide"): reports from accounts
# younger than this, or from people whose reports moderators rejected this often in the last
# REPORT_REJECTION_DAYS days, reach the queue but do not count towards hiding automatically.
REPORT_MIN_ACCOUNT_AGE_DAYS = env_int("REPORT_MIN_ACCOUNT_AGE_DAYS", 3)
REPORT_REJECTIONS_BEFORE_IGNORED = env_int("REPORT_REJECTIONS_BEFORE_IGNORED", 3)
REPORT_REJECTION_DAYS = env_int("REPORT_REJECTION_DAYS", 180)
# Frequently changing tallies (reactions) are broadcast at most this often per item.
LIVE_COALESCE_SECONDS = float(env("LIVE_COALESCE_SECONDS", "0.25"))

# --- Accounts -------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "consultations.forms.SignupDetailsForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = env("EMAIL_SUBJECT_PREFIX", "[Mitreden] ")
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# The sign-up adapter (consultations/accounts.py) with the login policy on top.
ACCOUNT_ADAPTER = "consultations.login_policy.AccountAdapter"
# Login policy (consultations/login_policy.py, README "Login policy"): slow an attacker down
# without locking the owner out. allauth's own "5 wrong passwords lock the account" is off.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
LOGIN_FAILURE_WINDOW_MINUTES = env_int("LOGIN_FAILURE_WINDOW_MINUTES", 15)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 20)
LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = env_int("LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", 5)
# Above this many failures in LOGIN_ACCOUNT_WINDOW_HOURS only known devices may try.
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 20)
LOGIN_ACCOUNT_WINDOW_HOURS = env_int("LOGIN_ACCOUNT_WINDOW_HOURS", 24)

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Mitreden <mitreden@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
# Our catalogue first (makemessages writes there), then our German wording of third-party
# strings (allauth, Wagtail), which makemessages would drop from the first.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_overrides"]
LANGUAGE_COOKIE_NAME = "mitreden_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = env("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# A small town can let the app serve uploads; a city lets the reverse proxy do it.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# In development whitenoise serves straight from the app and project folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Maps -----------------------------------------------------------------------------------
MAP_TILE_URL = env("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env(
    "MAP_TILE_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
)

# --- Wagtail --------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = env("SITE_NAME", "Mitreden")
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_I18N_ENABLED = False
WAGTAILEMBEDS_FINDERS = []
# Site search (cms/search.py, README "Search"): Wagtail's database backend indexes pages with
# FTS5 on SQLite and full-text vectors on PostgreSQL, where words are stemmed as German
# ("Stadthallen" finds "Stadthalle"). Comments and surveys are searched at query time with the
# same configuration. After changing it on PostgreSQL, run ``manage.py update_index``.
SEARCH_CONFIG = "german"
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": SEARCH_CONFIG}
}
WAGTAILDOCS_EXTENSIONS = ["pdf", "odt", "ods", "docx", "xlsx", "csv", "txt", "zip"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAIL_PASSWORD_RESET_ENABLED = True

# --- Security -------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# Client addresses (participation/client_addresses.py, README "Client addresses behind
# proxies"): X-Forwarded-For is believed for this many proxies in front of the app, no more.
# BEHIND_PROXY=1 alone means one proxy.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if BEHIND_PROXY else 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, got {TRUSTED_PROXY_COUNT}")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
if BEHIND_PROXY or TRUSTED_PROXY_COUNT > 0:
    # The reverse proxy terminates TLS and says so in X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

_TILE_ORIGIN = "/".join(MAP_TILE_URL.split("/")[:3]) if "://" in MAP_TILE_URL else ""
CONTENT_SECURITY_POLICY = {
    # The Wagtail admin relies on inline scripts and styles; it is staff-only and keeps its own.
    "EXCLUDE_URL_PREFIXES": ["/admin", "/django-admin"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([_TILE_ORIGIN] if _TILE_ORIGIN else [])],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"once_per_interval": {"()": "participation.redis_guard.OncePerInterval"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
    "loggers": {
        # Its pub/sub receiver logs a traceback every second while Redis is away.
        "channels_redis": {
            "handlers": ["console"],
            "level": env("LOG_LEVEL", "WARNING"),
            "filters": ["once_per_interval"],
            "propagate": False,
        },
        "consultations": {
            "handlers": ["console"],
            "level": env("LOG_LEVEL", "INFO"),
            "propagate": False,
        },
    },
}
