"""Settings for tsuchi, read from the environment with embedded defaults.

The embedded defaults (SQLite under ``var/``, the database task queue, local files, console
email) let ``make run`` and the tests start on a fresh machine. Production differs only by
environment variables; with ``TSUCHI_ENV=production`` a missing secret stops the start.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = Path(os.environ.get("TSUCHI_VAR_DIR", BASE_DIR / "var"))

ENVIRONMENT = os.environ.get("TSUCHI_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"


def env_list(name: str, default: str = "") -> list[str]:
    """Split a comma-separated environment variable into a list of non-empty strings."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def required_secret(name: str, development_default: str) -> str:
    """Return a secret from the environment; in production its absence stops the start."""
    value = os.environ.get(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(
            f"{name} must be set when TSUCHI_ENV=production (see docs/operations.md)."
        )
    return development_default


SECRET_KEY = required_secret("TSUCHI_SECRET_KEY", "insecure-development-key-not-for-production")
DEBUG = os.environ.get("TSUCHI_DEBUG", "0" if PRODUCTION else "1") == "1"
ALLOWED_HOSTS = env_list("TSUCHI_ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1]")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("TSUCHI_ALLOWED_HOSTS must be set when TSUCHI_ENV=production.")
CSRF_TRUSTED_ORIGINS = env_list("TSUCHI_CSRF_TRUSTED_ORIGINS")

# Which URL sets this process serves: the staff console belongs on the government network,
# the resident portal on the internet; one deployment may mount both or either.
MOUNT = set(env_list("TSUCHI_MOUNT", "staff,portal"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "tsuchi.accounts",
    "tsuchi.batches",
    "tsuchi.evidence",
    "tsuchi.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tsuchi.web.middleware.JapaneseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tsuchi.web.urls"
WSGI_APPLICATION = "tsuchi.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_url(url: str) -> dict[str, object]:
    """Translate ``postgres://user@host:port/name`` or ``sqlite:///path`` into a DATABASES entry."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parts.path[1:])}
    if parts.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
        }
    raise ImproperlyConfigured(f"TSUCHI_DATABASE_URL has an unsupported scheme: {parts.scheme}")


if os.environ.get("TSUCHI_DATABASE_URL"):
    DATABASES = {"default": database_from_url(os.environ["TSUCHI_DATABASE_URL"])}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "tsuchi.sqlite3",
            # WAL lets the web server read while the worker writes.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared by all processes in production (login throttling, rate limits): Redis when configured.
if os.environ.get("TSUCHI_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["TSUCHI_REDIS_URL"],
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TSUCHI_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ.get("TSUCHI_MEDIA_DIR", str(VAR_DIR / "files"))},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Where residents and third parties reach the portal (the verification page's base URL).
TSUCHI_PUBLIC_URL = os.environ.get("TSUCHI_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

TSUCHI_PROFILES_DIR = Path(os.environ.get("TSUCHI_PROFILES_DIR", BASE_DIR / "profiles"))

# Server-side signing (docs/signing-server.md): a PKCS#12 file or a PKCS#11 token (HSM). No key
# configured means the batch page offers no server-side signing; development falls back to the
# demo key under var/demo-pki/ when `load_demo` has made one.
TSUCHI_SIGNING = {
    "pkcs12": os.environ.get("TSUCHI_SIGNING_PKCS12", ""),
    "pkcs12_password": os.environ.get("TSUCHI_SIGNING_PKCS12_PASSWORD", ""),
    "pkcs11_module": os.environ.get("TSUCHI_SIGNING_PKCS11_MODULE", ""),
    "pkcs11_token": os.environ.get("TSUCHI_SIGNING_PKCS11_TOKEN", ""),
    "pkcs11_key": os.environ.get("TSUCHI_SIGNING_PKCS11_KEY", ""),
    "pkcs11_pin": os.environ.get("TSUCHI_SIGNING_PKCS11_PIN", ""),
    "trust_roots": [p for p in os.environ.get("TSUCHI_TRUST_ROOTS", "").split(":") if p],
    "tsa_url": os.environ.get("TSUCHI_TSA_URL", ""),
    "workers": int(os.environ.get("TSUCHI_SIGNING_WORKERS", "0")) or None,
}
TSUCHI_DEMO_PKI_DIR = VAR_DIR / "demo-pki"
if PRODUCTION:
    _key_file = TSUCHI_SIGNING["pkcs12"] or TSUCHI_SIGNING["pkcs11_module"]
    if _key_file and not os.access(_key_file, os.R_OK):
        raise ImproperlyConfigured(
            f"The signing key {_key_file} is configured but cannot be read "
            "(TSUCHI_SIGNING_PKCS12 / TSUCHI_SIGNING_PKCS11_MODULE)."
        )
    if TSUCHI_SIGNING["pkcs12"] and not TSUCHI_SIGNING["pkcs12_password"]:
        raise ImproperlyConfigured("TSUCHI_SIGNING_PKCS12_PASSWORD must be set with the key.")
    if _key_file and not TSUCHI_SIGNING["trust_roots"]:
        raise ImproperlyConfigured("TSUCHI_TRUST_ROOTS must name the roots the key chains to.")

STATIC_URL = "static/"
STATICFILES_DIRS = [Path(__file__).parent / "static"]
STATIC_ROOT = VAR_DIR / "static"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_FAILURE_LIMIT = int(os.environ.get("TSUCHI_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_SECONDS = 15 * 60
LOGIN_REDIRECT_URL = "batches:list"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "src" / "tsuchi" / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# Email (the MAILERS setting of Django 6.1) is configured by the delivery app.

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Uploads larger than this go to a temporary file, not memory; batch PDFs can be hundreds of MB.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TSUCHI_LOG_LEVEL", "INFO")},
    "loggers": {"pikepdf": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
