"""Configuration, read from environment variables only.

Secrets never live in the repository: when SECRET_KEY is unset, a random key is
generated once into instance/secret_key and reused from then on.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from portal.private_files import private_directory, write_private
from portal.public_address import split_base_url

# A checkout: templates/, static/ and migrations/ sit beside portal/. An installed wheel: they are in
# portal/_files/ (setup.py copies them in), and the instance folder defaults to ./instance where it runs.
_PACKAGE = Path(__file__).resolve().parent
_INSTALLED = (_PACKAGE / "_files").is_dir()
ROOT = _PACKAGE / "_files" if _INSTALLED else _PACKAGE.parent
INSTANCE = Path(os.environ.get("INSTANCE_PATH", (Path.cwd() if _INSTALLED else ROOT) / "instance"))


def _secret_key(instance: Path) -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = instance / "secret_key"
    if not path.exists():
        private_directory(instance)
        write_private(path, secrets.token_urlsafe(48).encode())
    return path.read_text().strip()


PRODUCTION_REQUIRED = ("SECRET_KEY", "BASE_URL", "DATABASE_URL", "REDIS_URL")


class ConfigurationError(SystemExit):
    """The portal cannot start as configured: the process exits non-zero with this message on stderr."""


def production_problems(environ=None) -> list[str]:
    """What the production profile (PORTAL_ENV=production) misses, one message per variable."""
    environ = os.environ if environ is None else environ
    problems = [f"PORTAL_ENV=production needs {name} to be set" for name in PRODUCTION_REQUIRED
                if not environ.get(name, "").strip()]
    base_url = environ.get("BASE_URL", "").strip()
    if base_url and not base_url.lower().startswith("https://"):
        # Its cookies are Secure: over plain http a browser never sends them back, so nobody could stay signed in
        problems.append(f"PORTAL_ENV=production needs BASE_URL to be an https:// address, not {base_url!r} "
                        "(sessions use Secure cookies)")
    return problems


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def _pool_options() -> dict:
    """Connection pool per process, from the environment: web processes x workers x servers must stay under the
    database's (or PgBouncer's) connection limit. DATABASE_PGBOUNCER=true (PgBouncer in transaction mode): no
    server-side prepared statements, since the next transaction may run on another server connection."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return {}
    options: dict = {
        "pool_size": int(os.environ.get("DATABASE_POOL_SIZE", "5")),
        "max_overflow": int(os.environ.get("DATABASE_MAX_OVERFLOW", "5")),
        "pool_timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
        "pool_recycle": int(os.environ.get("DATABASE_POOL_RECYCLE", "1800")),
    }
    if _bool("DATABASE_PGBOUNCER"):
        options["connect_args"] = {"prepare_threshold": None}
    return options


def from_environment(instance: Path = INSTANCE) -> dict:
    """Build the configuration mapping from the environment."""
    production = os.environ.get("PORTAL_ENV", "").strip().lower() == "production"
    if production and (problems := production_problems()):
        raise ConfigurationError("Error: " + "; ".join(problems))
    config = {
        "PORTAL_ENV": "production" if production else "development",
        # How many proxies in front of the portal may set X-Forwarded-For and -Proto (Werkzeug's ProxyFix);
        # 0 trusts none, so a client cannot choose the address its rate limits count against.
        "PROXY_HOPS": int(os.environ.get("PROXY_HOPS", "0")),
        # Extra host names (comma separated) the portal answers to besides BASE_URL's
        "ALLOWED_HOSTS": os.environ.get("ALLOWED_HOSTS", ""),
        # PgBouncer in transaction mode between the portal and PostgreSQL (no prepared statements, no LISTEN)
        "DATABASE_PGBOUNCER": _bool("DATABASE_PGBOUNCER"),
        "SECRET_KEY": _secret_key(instance),
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'portal.sqlite3'}"),
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            **_pool_options(),
            # SQLite only, outside requests (commands, relay, scheduler): take the write lock when a transaction
            # begins. Requests choose by method (portal/sqlite_locking.py). PostgreSQL ignores it.
            "execution_options": {"sqlite_begin": os.environ.get("SQLITE_BEGIN", "IMMEDIATE")},
        },
        # SQLite only: seconds a writer waits for the write lock before the request answers 503
        "SQLITE_BUSY_TIMEOUT": float(os.environ.get("SQLITE_BUSY_TIMEOUT", "10")),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "MEILI_URL": os.environ.get("MEILI_URL", ""),
        "MEILI_KEY": os.environ.get("MEILI_KEY", ""),
        "MEILI_SEARCH_KEY": os.environ.get("MEILI_SEARCH_KEY", ""),
        "SEARCH_SQLITE_PATH": os.environ.get("SEARCH_SQLITE_PATH", str(instance / "search.sqlite3")),
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Resettlement Partnership Portal <no-reply@portal.invalid>"),
        "MAIL_DIRECTORY": os.environ.get("MAIL_DIRECTORY", str(instance / "mail")),
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": os.environ.get("PREFERRED_URL_SCHEME", "http"),
        # Every stored file (portal/storage.py): "local" (STORAGE_DIR, default <instance>/uploads) or "s3"
        "STORAGE_BACKEND": os.environ.get("STORAGE_BACKEND", "local"),
        "STORAGE_DIR": os.environ.get("STORAGE_DIR", ""),
        "STORAGE_S3_BUCKET": os.environ.get("STORAGE_S3_BUCKET", ""),
        "STORAGE_S3_ENDPOINT_URL": os.environ.get("STORAGE_S3_ENDPOINT_URL", ""),
        "STORAGE_S3_REGION": os.environ.get("STORAGE_S3_REGION", ""),
        "STORAGE_S3_PREFIX": os.environ.get("STORAGE_S3_PREFIX", ""),
        # Delivered outbox rows (their payloads can hold email addresses) are deleted after this many days
        "OUTBOX_RETENTION_DAYS": int(os.environ.get("OUTBOX_RETENTION_DAYS", "7")),
        # Operations: JSON logs, Prometheus metrics (separate port in gunicorn, or /metrics with this token), Sentry
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text"),
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN", ""),
        "SENTRY_DSN": os.environ.get("SENTRY_DSN", ""),
        "SENTRY_ENVIRONMENT": os.environ.get("SENTRY_ENVIRONMENT", os.environ.get("PORTAL_ENV", "development")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(12 * 1024 * 1024))),
        "IDLE_TIMEOUT_MINUTES": int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30")),
        # Failed passwords per account and client address, progressive: locked for 15 minutes after 5, for the
        # hour after 10, for the day after 20. The account holder is told by email when a lock-out begins.
        "SIGN_IN_RATE_LIMIT_ACCOUNT": os.environ.get(
            "SIGN_IN_RATE_LIMIT_ACCOUNT", "5 per 15 minutes; 10 per hour; 20 per day"),
        # Wrong two-factor codes per account, from any number of addresses
        "TWO_FACTOR_RATE_LIMIT_ACCOUNT": os.environ.get("TWO_FACTOR_RATE_LIMIT_ACCOUNT", "5 per 15 minutes"),
        "SIGN_IN_RATE_LIMIT_ADDRESS": os.environ.get("SIGN_IN_RATE_LIMIT_ADDRESS", "20 per 15 minutes"),
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        # Keeps this portal's counters apart from other apps (or test runs) sharing one Redis
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "rpp"),
        "OUTBOX_INLINE": _bool("OUTBOX_INLINE", False),
        # Open data. OCDS_PREFIX is the ocid prefix the publisher registers with the Open Contracting Partnership
        # (ocds- and six characters); the default is a placeholder that says so. OPEN_DATA_LICENCE: ogl (Open
        # Government Licence v3.0) or cc-by (Creative Commons Attribution 4.0) for the public open-data files.
        "OCDS_PREFIX": os.environ.get("OCDS_PREFIX", "ocds-000000"),
        "OPEN_DATA_LICENCE": os.environ.get("OPEN_DATA_LICENCE", "ogl"),
        "WTF_CSRF_TIME_LIMIT": None,
        "TESTING": False,
    }
    if production:
        # The production profile: cookies only over HTTPS; URLs and their scheme from BASE_URL alone
        scheme, netloc, _ = split_base_url(config["BASE_URL"])
        config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True, SERVER_NAME=netloc,
                      PREFERRED_URL_SCHEME=scheme)
    return config
