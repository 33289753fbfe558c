"""Django settings. Everything that varies between machines comes from the environment."""
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from klinika.environments import from_environment
from klinika.paths import data_dir, secret_key

BASE_DIR = Path(__file__).resolve().parent
# Refuses (DataDirError) a data directory inside klinika's code, before anything is made there.
DATA_DIR = data_dir()
DATA_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)

DEBUG = os.environ.get("KLINIKA_DEBUG", "") == "1"
# SECRET_KEY signs sessions and CSRF tokens only; no encryption key ever derives from it.
# Random per installation (secrets/secret_key, made on the first run), never derived from
# anything guessable, so no two installations accept each other's session cookies.
SECRET_KEY = os.environ.get("KLINIKA_SECRET_KEY", "").strip() or secret_key(DATA_DIR)
ALLOWED_HOSTS = [h for h in os.environ.get("KLINIKA_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "axes",
    "django_htmx",
    "klinika.crypto",
    "klinika.tenancy",
    "klinika.audit",
    "klinika.accounts",
    "klinika.patients",
    "klinika.staff",
    "klinika.notify",
    "klinika.scheduling",
    "klinika.records",
    "klinika.edocs",
    "klinika.fhir",
    "klinika.testdata",
    "klinika.lifecycle",
    "klinika.breach",
    "klinika.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "klinika.web.boundary.BoundaryMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "klinika.accounts.token_middleware.ApiTokenMiddleware",
    "klinika.web.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "klinika.accounts.middleware.LoginRequiredMiddleware",
    "klinika.accounts.support_middleware.SupportGrantMiddleware",
    "klinika.tenancy.middleware.ClinicContextMiddleware",
    "klinika.audit.middleware.AuditBatchMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "klinika.urls"
WSGI_APPLICATION = "klinika.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "klinika.web.context.shell",
            ],
        },
    },
]

# Clinic data and keys live in two different databases, so a copy of one is never a copy
# of both. DATABASE_URL / KEYSTORE_DATABASE_URL select PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'klinika.sqlite3'}",
        conn_max_age=0,
    ),
    "keystore": dj_database_url.parse(
        os.environ.get("KEYSTORE_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'keystore.sqlite3'}",
        conn_max_age=0,
    ),
}
for _alias, _db in DATABASES.items():
    if _db["ENGINE"].endswith("sqlite3"):
        _db.setdefault("OPTIONS", {})
        _db["OPTIONS"]["timeout"] = 30
        _db["OPTIONS"]["init_command"] = (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;"
        )
        _db["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DATABASE_ROUTERS = ["klinika.crypto.router.KeystoreRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "klinika.accounts.backends.StaffBackend",
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"

# Idle sessions end: every request pushes the expiry forward, silence lets it lapse.
SESSION_COOKIE_AGE = int(os.environ.get("KLINIKA_IDLE_SECONDS", 15 * 60))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE = os.environ.get("KLINIKA_HTTPS", "") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
# production | staging | test | dev: only production holds real people (klinika/environments.py).
KLINIKA_ENV = from_environment()
# Test environments load datasets signed by these keys only (`klinika testenv factory-key` in production
# prints its key): base64 Ed25519 public keys, comma or space separated, or the path of a file of them.
KLINIKA_DATASET_FACTORY_KEYS = os.environ.get("KLINIKA_DATASET_FACTORY_KEYS", "").strip()
# Behind a TLS-terminating reverse proxy: its address (as waitress sees it), so waitress takes
# the scheme, host and client from its X-Forwarded-* headers. Unset: no forwarded header is
# believed (waitress drops them), whoever sends it.
KLINIKA_TRUSTED_PROXY = os.environ.get("KLINIKA_TRUSTED_PROXY", "").strip()
KLINIKA_TRUSTED_PROXY_HEADERS = os.environ.get(
    "KLINIKA_TRUSTED_PROXY_HEADERS", "x-forwarded-proto x-forwarded-for x-forwarded-host").split()
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Lockout: five wrong passwords lock the username for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "klinika.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# Successful logins are in klinika's audit trail already; axes need not keep IPs and browsers of them.
AXES_DISABLE_ACCESS_LOG = True
# Repeated failures during a lockout must not extend it forever (anyone could keep anyone locked out).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Lockout is per account, so a staff member's IP address (personal data) is not needed: store none.
AXES_CLIENT_IP_CALLABLE = "klinika.accounts.lockout.no_client_ip"
AXES_IPWARE_PROXY_COUNT = 0
# The lockout is per account on purpose (staff share a clinic's one public IP address).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# Django's HSTS, SSL-redirect and Secure-cookie warnings all follow from KLINIKA_HTTPS: klinika.W001 names it.
SILENCED_SYSTEM_CHECKS += ["security.W004", "security.W008", "security.W012", "security.W016"]

OTP_TOTP_ISSUER = "klinika"

LANGUAGE_CODE = "pl"
LANGUAGES = [("pl", _("Polski")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Warsaw"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Static files come straight from the apps (no collectstatic step needed to run the demo).
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "uploads"
# Uploads stay in memory, bounded by the attachment size limit: Django's default handlers
# would write any file over 2.5 MB to a plaintext temporary file during the request.
FILE_UPLOAD_HANDLERS = ["klinika.records.uploads.BoundedMemoryUploadHandler"]

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# How long an unwrapped key may stay in a process's cache before it is looked up again,
# so a shred elsewhere reaches every running process within this time.
KLINIKA_KEY_CACHE_SECONDS = int(os.environ.get("KLINIKA_KEY_CACHE_SECONDS", 300))
# How often a process asks the keystore whether a key was destroyed since (one query per
# interval, shared by every read): an erasure or shred reaches every process within this time.
KLINIKA_KEY_REVOCATION_SECONDS = float(os.environ.get("KLINIKA_KEY_REVOCATION_SECONDS", 2))
KLINIKA_KEY_CACHE_SIZE = int(os.environ.get("KLINIKA_KEY_CACHE_SIZE", 50_000))
# How long backups are kept (days): a retired root key generation is destroyed this long after
# `klinika keys rotate-root`, and with it every keystore backup made while it was current.
KLINIKA_BACKUP_RETENTION_DAYS = int(os.environ.get("KLINIKA_BACKUP_RETENTION_DAYS", 35))
KLINIKA_ROOT_KEY_PROVIDER = os.environ.get(
    "KLINIKA_ROOT_KEY_PROVIDER", "klinika.crypto.root.LocalRootKeyProvider"
)

# --- audit ---
# Every signed checkpoint is also appended here (a JSON line, fsynced): a copy outside both
# databases. Point it at storage the database's users cannot rewrite (see audit/witness.py).
KLINIKA_AUDIT_WITNESS = Path(os.environ.get("KLINIKA_AUDIT_WITNESS") or DATA_DIR / "audit-witness.jsonl")
# A chain gets a signed checkpoint every this many events (and each round of `klinika worker`).
KLINIKA_AUDIT_CHECKPOINT_EVERY = int(os.environ.get("KLINIKA_AUDIT_CHECKPOINT_EVERY", 500))

# --- notify ---
# Background tasks queue in the clinic-data database; `klinika db_worker` runs them.
INSTALLED_APPS += ["django_tasks_db"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Where the development backends put what they "send" (plaintext: generated data only).
KLINIKA_OUTBOX_DIR = Path(os.environ.get("KLINIKA_OUTBOX_DIR") or DATA_DIR / "outbox")
# SMS: none (the default: nothing is sent, each message fails) | smsapi (SMSAPI.pl) | for `klinika demo`
# and the tests only: console (masked number), file (outbox/sms.jsonl, the offline simulator).
KLINIKA_SMS_BACKEND = os.environ.get("KLINIKA_SMS_BACKEND", "none")
KLINIKA_SMSAPI_TOKEN = os.environ.get("KLINIKA_SMSAPI_TOKEN", "")
KLINIKA_SMS_SENDER = os.environ.get("KLINIKA_SMS_SENDER", "")  # a sender name registered with SMSAPI
# Outside production a real gateway (SMSAPI, SMTP) sends only to these testers' phone numbers and
# e-mail addresses (comma-separated): the people in a test environment are generated or anonymized,
# but their made-up numbers and addresses may be somebody's.
KLINIKA_TEST_RECIPIENTS = [r.strip() for r in os.environ.get("KLINIKA_TEST_RECIPIENTS", "").split(",") if r.strip()]
KLINIKA_SMSAPI_TIMEOUT = int(os.environ.get("KLINIKA_SMSAPI_TIMEOUT", 15))
# E-mail: none (the default, as for SMS) | smtp (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, ...) |
# demo and tests only: console, file (outbox/email/).
_EMAIL_BACKENDS = {
    "none": "klinika.notify.mail.NotConfiguredEmailBackend",
    "console": "klinika.notify.mail.ConsoleEmailBackend",
    "file": "klinika.notify.mail.FileEmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
_email_backend = os.environ.get("KLINIKA_EMAIL_BACKEND", "none")
if _email_backend not in _EMAIL_BACKENDS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"KLINIKA_EMAIL_BACKEND={_email_backend!r}: choose one of {', '.join(_EMAIL_BACKENDS)}")
EMAIL_BACKEND = _EMAIL_BACKENDS[_email_backend]
EMAIL_FILE_PATH = KLINIKA_OUTBOX_DIR / "email"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 587))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "1") == "1"
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", 15))
DEFAULT_FROM_EMAIL = os.environ.get("KLINIKA_FROM_EMAIL", "klinika@localhost")
# The address patients' reply links point at (reminders are sent outside any request).
KLINIKA_PUBLIC_URL = os.environ.get("KLINIKA_PUBLIC_URL", "http://localhost:8000").rstrip("/")

# --- accounts --- How long an invitation link (a new clinic's administrator, new staff) stays valid.
KLINIKA_INVITATION_HOURS = int(os.environ.get("KLINIKA_INVITATION_HOURS", 72))

# --- lifecycle: termination --- Days between the clinic acknowledging its handover export and the
# crypto-shred (the export can still be made during them); and where deletion certificates are written.
KLINIKA_TERMINATION_GRACE_DAYS = float(os.environ.get("KLINIKA_TERMINATION_GRACE_DAYS", 7))
KLINIKA_CERTIFICATE_DIR = Path(os.environ.get("KLINIKA_CERTIFICATE_DIR") or DATA_DIR / "certificates")
