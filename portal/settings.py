"""Settings for the school-to-school support portal, all read from the environment.

With nothing set, the portal runs as the *embedded default*: DEBUG on, a SQLite file in var/,
Celery tasks run inline (eager) and email goes to the console. Production sets DEBUG=false and
must then also set SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL; a missing one stops start-up.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE as CSP_NONCE
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_int, env_list, env_str
from portal.notifications import notify_config
from portal.observability import config as ops_config
from portal.sso import config as sso_config

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)
# Django's technical 404/400/500 pages instead of the portal's own while DEBUG is on (for a developer only).
DEBUG_TECHNICAL_ERRORS = env_bool("DEBUG_TECHNICAL_ERRORS", False)

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "insecure-embedded-default-key-for-local-development-only-0123456789")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
else:
    SECRET_KEY = env_str("SECRET_KEY", required=True)
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set ALLOWED_HOSTS (comma-separated) when DEBUG is off.")

SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = "School-to-school support"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # the built-in widget templates, for FORM_RENDERER below
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django_filters",
    "django_scopes",
    "portal",
    "alliances",
    "programmes",
    "deployments",
    "leadership",
    "reporting",
    "api",
]

MIDDLEWARE = [
    # Before everything: the request id for every log line, request metrics, and /metrics (token or loopback only).
    "portal.observability.middleware.RequestIdMiddleware",
    # First, so load balancers reach it whatever Host header they send and without an HTTPS redirect.
    "portal.health.HealthCheckMiddleware",
    # Outside the error pages, so the portal's own 404 and 500 pages get a nonce and the policy too.
    "csp.middleware.CSPMiddleware",
    "portal.observability.headers.SecurityHeadersMiddleware",
    # Next, so it sees every response: the portal's own error pages also while DEBUG is on.
    "portal.ui.errors.FriendlyErrorPagesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.accounts.middleware.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.sso.middleware.ProviderFormActionMiddleware",
    "portal.accounts.middleware.StaffMfaMiddleware",
    "portal.tenancy.middleware.PartnershipMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.ui.context_processors.portal",
            ],
            "builtins": ["portal.ui.templatetags.govuk", "portal.ui.templatetags.formats"],
        },
    }
]
# Widgets render through TEMPLATES, so templates/ overrides built-in ones (templates/admin/widgets/: labelled inputs).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"


def _database_from_env() -> dict:
    url = env_str("DATABASE_URL")
    if not url and os.environ.get("POSTGRES_DB"):
        user = env_str("POSTGRES_USER", "postgres")
        password = env_str("POSTGRES_PASSWORD")
        host = env_str("POSTGRES_HOST", "127.0.0.1")
        port = env_str("POSTGRES_PORT", "5432")
        auth = f"{user}:{password}@" if password else f"{user}@"
        url = f"postgres://{auth}{host}:{port}/{env_str('POSTGRES_DB')}"
    if not url:
        if not DEBUG:
            raise ImproperlyConfigured("Set DATABASE_URL (PostgreSQL) when DEBUG is off.")
        (BASE_DIR / "var").mkdir(exist_ok=True)
        url = f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # Row-level security too (portal/tenancy/rls.py): queries run as this role, never a superuser or BYPASSRLS
        # ("": the role that logged in). Repeated SELECTs prepared (off behind a pooler in transaction mode). No JIT
        # compilation unless DATABASE_JIT=true: it cost 0.5 s before a national download's first row, saved nothing.
        config.update(ENGINE="portal.tenancy.postgresql", RLS_ROLE=os.environ.get("DATABASE_APP_ROLE", "portal_app"),
                      PREPARED_STATEMENTS=env_bool("DATABASE_PREPARED_STATEMENTS", True),
                      JIT=env_bool("DATABASE_JIT", False))
    return config


DATABASES = {"default": _database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# Sessions: 30 minutes idle (the cookie is renewed on every request), 12 hours at most from sign-in
# (SessionLifetimeMiddleware), and ended everywhere when a user is deactivated (User.session_generation).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_LIMIT = timedelta(hours=12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# django-allauth: email sign-in, mandatory verification, accounts by invitation only.
ACCOUNT_ADAPTER = "portal.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "portal.accounts.forms.SignupExtraForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}
# Single sign-on (portal/sso, README "Single sign-on"): links to invited accounts only, never signs anyone up.
SOCIALACCOUNT_ADAPTER = "portal.sso.adapter.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = sso_config.providers_from_env()
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"  # the provider verified it (email_verified), and it is an invited account's
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
# The embedded default (make run) may exempt its demo users from the staff MFA rule.
# A system check (portal.E001) refuses this whenever DEBUG is off.
MFA_EXEMPT_DEMO_USERS = env_bool("MFA_EXEMPT_DEMO_USERS", False)
if MFA_EXEMPT_DEMO_USERS and not DEBUG:
    # Also a system check (portal.E001), but gunicorn and Celery never run checks: refuse to start.
    raise ImproperlyConfigured("MFA_EXEMPT_DEMO_USERS is only for the embedded default; turn it off when DEBUG is off.")
DEMO_EMAIL_DOMAIN = "demo.s2s.example"

# --- Redis, the cache, Celery and the outbox (and how each behaves when Redis fails) ---------------------
# Every wait on Redis is short and bounded: a web request waits at most about one timeout on Redis in all
# (one cache call or one publish) before the breaker (portal/breaker.py) skips Redis for REDIS_COOL_OFF
# seconds. Times are in milliseconds or seconds as their names say; README "When Redis fails" explains them.
REDIS_URL = env_str("REDIS_URL")
REDIS_CONNECT_TIMEOUT = env_int("REDIS_CONNECT_TIMEOUT_MS", 300) / 1000
REDIS_SOCKET_TIMEOUT = env_int("REDIS_SOCKET_TIMEOUT_MS", 500) / 1000
REDIS_COOL_OFF = env_int("REDIS_COOL_OFF_SECONDS", 15)

# Caches: Redis when REDIS_URL is set (allauth's rate limits need a shared cache across web processes),
# falling back to this process's memory while Redis is down (portal/cache.py); otherwise local memory.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.FailSafeRedisCache",
            "LOCATION": env_str("CACHE_URL", REDIS_URL),
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "portal"),
            "OPTIONS": {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT, "socket_timeout": REDIS_SOCKET_TIMEOUT},
        }
    }
else:
    if not DEBUG:
        # Per-process caches would multiply the sign-in rate limits by the number of web processes.
        raise ImproperlyConfigured("Set REDIS_URL when DEBUG is off: rate limits need a shared cache.")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: a real broker when CELERY_BROKER_URL or REDIS_URL is set, otherwise tasks run inline.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
if CELERY_TASK_ALWAYS_EAGER and not DEBUG:
    raise ImproperlyConfigured("Set CELERY_BROKER_URL or REDIS_URL when DEBUG is off: a worker must deliver notifications.")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "portal")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Europe/London"
# Workers keep trying to reach the broker for ever (never exit because Redis was away a long time), every
# few seconds at most (portal.celery.ResilientConsumer caps Celery's growing 2, 4 ... 30 s wait), so they
# pick work up within CELERY_RECONNECT_MAX seconds of Redis returning.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_RECONNECT_MAX = env_int("CELERY_RECONNECT_MAX_SECONDS", 3)
# A task running when the connection drops finishes; it cannot be acknowledged on the lost connection, so
# Redis hands it out again and delivery's claim makes the repeat a no-op. Cancelling it instead (Celery 6's
# default) could cut an email off after the server accepted it.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Publishing never retries and never waits long: the outbox row is already committed, and when the publish
# fails the broker breaker skips publishing for REDIS_COOL_OFF seconds and the sweeper queues the rows.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_keepalive": True,
    "health_check_interval": 10,
    "max_retries": 0,
}

# Outbox timings (portal/notifications): how long a row waits before the sweeper queues it again (grace), how
# often the sweeper runs, how many rows one run queues and how many go in one message, how many messages may
# already wait in the queue for a run to add more, how long a worker's claim on a row (the lease) lasts.
NOTIFICATION_SWEEP_AFTER = timedelta(seconds=env_int("NOTIFICATION_SWEEP_AFTER_SECONDS", 60))
NOTIFICATION_SWEEP_EVERY = env_int("NOTIFICATION_SWEEP_EVERY_SECONDS", 10)
NOTIFICATION_SWEEP_LIMIT = env_int("NOTIFICATION_SWEEP_LIMIT", 20000)
NOTIFICATION_BATCH_SIZE = env_int("NOTIFICATION_BATCH_SIZE", 100)
NOTIFICATION_SWEEP_QUEUE_LIMIT = env_int("NOTIFICATION_SWEEP_QUEUE_LIMIT", 10)
NOTIFICATION_LEASE = timedelta(seconds=env_int("NOTIFICATION_LEASE_SECONDS", 120))
# --- end of the Redis, cache, Celery and outbox block -----------------------------------------------------

# Email: the console in the embedded default; SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
else:
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "School-to-school support <no-reply@s2s-portal.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_MESSAGE_ID_DOMAIN = env_str("EMAIL_MESSAGE_ID_DOMAIN", "s2s-portal.example")
# GOV.UK Notify (README): email with EMAIL_BACKEND=portal.notifications.notify.NotifyEmailBackend; text reminders too.
NOTIFY_API_KEY = env_str("NOTIFY_API_KEY")
NOTIFY_BASE_URL = env_str("NOTIFY_BASE_URL")  # empty: the client's own (Notify's API)
NOTIFY_TEMPLATES = notify_config.templates_from_env()
NOTIFY_EMAIL_REPLY_TO_ID, NOTIFY_TIMEOUT = env_str("NOTIFY_EMAIL_REPLY_TO_ID"), env_int("NOTIFY_TIMEOUT", 10)

# The public school data files (GIAS, DfE, Ofsted, ONS) kept beside the project in ../shared/data.
SHARED_DATA_DIR = Path(env_str("SHARED_DATA_DIR", str(BASE_DIR.parent / "shared" / "data")))
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_MEGABYTES", 100) * 1_000_000
INVITATION_VALID_FOR = timedelta(days=env_int("INVITATION_VALID_DAYS", 14))

# Data protection (portal/privacy, README "Data protection"): how many days each kind of personal data is kept.
# The daily retention task (beat "privacy.retention") deletes older rows, RETENTION_BATCH_SIZE rows a transaction.
RETENTION_DAYS = {
    "notifications": env_int("RETENTION_NOTIFICATION_DAYS", 730),  # 2 years: outbox rows and in-app messages
    "import_uploads": env_int("RETENTION_IMPORT_UPLOAD_DAYS", 90),  # uploaded school-data files and their jobs
    "audit_events": env_int("RETENTION_AUDIT_EVENT_DAYS", 2557),  # 7 years: 6 (limitation) + the year in progress
}
RETENTION_BATCH_SIZE = env_int("RETENTION_BATCH_SIZE", 1000)
for _period, _days in RETENTION_DAYS.items():
    if _days < 1:
        raise ImproperlyConfigured(f"The retention period for {_period} must be at least 1 day, not {_days}.")
del _period, _days
if RETENTION_BATCH_SIZE < 1:
    raise ImproperlyConfigured(f"RETENTION_BATCH_SIZE must be at least 1, not {RETENTION_BATCH_SIZE}.")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static", BASE_DIR / "build" / "static"]
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing root otherwise
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env_str(
            "STATICFILES_STORAGE",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [f"https://{host}" for host in ALLOWED_HOSTS])

# Operations (portal/observability/config.py). Logs: one JSON object a line in production (LOG_FORMAT), a readable
# line for a developer; every line carries the request id (X-Request-ID, or a new one), in the worker too (the id
# travels in the task's headers). ACCESS_LOG: one line a request, replacing gunicorn's (runserver prints its own).
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
ACCESS_LOG = env_bool("ACCESS_LOG", not DEBUG)
LOGGING = ops_config.logging_config(LOG_FORMAT, env_str("LOG_LEVEL", "INFO"))

# Error reporting: on only when SENTRY_DSN is set (web and worker both load these settings); no personal data.
SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "development" if DEBUG else "production")
SENTRY_TRACES_SAMPLE_RATE = ops_config.sample_rate(env_str("SENTRY_TRACES_SAMPLE_RATE", "0"))
if SENTRY_DSN:
    from portal.observability.errors import init_error_reporting

    init_error_reporting(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT, release=env_str("PORTAL_RELEASE"),
                         traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE)

# /metrics: with METRICS_TOKEN, only to `Authorization: Bearer <token>`; without, only to an unproxied loopback client.
METRICS_TOKEN = env_str("METRICS_TOKEN")
# Celery time limits for every task (seconds): SoftTimeLimitExceeded first, then the worker process is replaced.
CELERY_TASK_SOFT_TIME_LIMIT, CELERY_TASK_TIME_LIMIT = ops_config.time_limits(
    env_int("CELERY_TASK_SOFT_TIME_LIMIT", 15 * 60), env_int("CELERY_TASK_TIME_LIMIT", 20 * 60))

# Security headers: the CSP (django-csp, no 'unsafe-inline'), Permissions-Policy, and /.well-known/security.txt
# (SECURITY_TXT_EXPIRES: a date under a year ahead, renewed; unset, a year from start-up).
CONTENT_SECURITY_POLICY = ops_config.content_security_policy(CSP_NONCE)
PERMISSIONS_POLICY = env_str("PERMISSIONS_POLICY", ops_config.PERMISSIONS_POLICY)
SECURITY_CONTACT = env_str("SECURITY_CONTACT", "mailto:security@s2s-portal.example")
SECURITY_TXT_EXPIRES = ops_config.expiry_date(env_str("SECURITY_TXT_EXPIRES"))
SECURITY_POLICY_URL = env_str("SECURITY_POLICY_URL")

# The API (api app): API_RATE_LIMIT requests per token per API_RATE_WINDOW s, 429 beyond. Webhooks go to https://
# addresses only; WEBHOOK_ALLOW_LOOPBACK_HTTP allows plain HTTP to a loopback address (tests, local development).
API_RATE_LIMIT, API_RATE_WINDOW = env_int("API_RATE_LIMIT", 120), env_int("API_RATE_WINDOW_SECONDS", 60)
WEBHOOK_ALLOW_LOOPBACK_HTTP = env_bool("WEBHOOK_ALLOW_LOOPBACK_HTTP", False)
