"""Django settings for tidu, read from environment variables.

Defaults give a working embedded set-up (SQLite under ./var); production sets DATABASE_URL to
PostgreSQL, a real SECRET_KEY, ALLOWED_HOSTS and DEBUG=0.
"""

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TIDU_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# The fallback key is only acceptable with DEBUG on; check --deploy flags it otherwise.
SECRET_KEY = os.environ.get("SECRET_KEY", "django-insecure-tidu-development-only-key-change-me")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Before django_tasks_db: its `db_worker` command is extended there with a heartbeat (see tidu/ops).
    "tidu.ops",
    "django_tasks",
    "django_tasks_db",
    "tidu.core",
    "tidu.accounts",
    "tidu.enterprises",
    "tidu.policy",
    "tidu.applications",
    "tidu.eligibility",
    "tidu.documents",
    "tidu.notifications",
    "tidu.review",
    "tidu.experts",
    "tidu.onsite",
    "tidu.decisions",
    "tidu.publicity",
    "tidu.dashboards",
    "tidu.records",
    "tidu.benchmark",
    "tidu.readiness",
    "tidu.whatif",
    "ninja",  # django-ninja: its API docs page uses the local static files (no CDN) when it is installed
    "tidu.api",
]

MIDDLEWARE = [
    "tidu.core.request_id.RequestIdMiddleware",
    "tidu.api.middleware.ApiCallMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Second factor and idle timeout (tidu/accounts/second_factor.py), after messages (they leave one).
    "django_otp.middleware.OTPMiddleware",
    "tidu.accounts.second_factor.IdleTimeoutMiddleware",
    "tidu.accounts.second_factor.SecondFactorMiddleware",
    "tidu.core.unsafe_text.UnsafeTextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: answers a locked-out login with tidu.accounts.throttle.lockout_response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tidu.urls"
WSGI_APPLICATION = "tidu.wsgi.application"

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
                "tidu.core.context_processors.platform",
                "tidu.notifications.context_processors.notifications",
            ],
        },
    },
]

if "DATABASE_URL" not in os.environ:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tidu.sqlite3'}"),
        # Reusing connections saves a connect per request (4× on a trivial page, issue 15); the health
        # check replaces a connection the server closed meanwhile instead of failing the request.
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent requests (autosave beside a save, background tasks) wait for the write lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file, not shared memory, so the live server's threads lock like production does.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"tidu-test-{os.getpid()}.sqlite3"),
    }
# A read replica for the dashboards' aggregates (docs/deployment.md §8): off when unset. Only the code inside
# tidu.core.db_routers.replica_reads() reads from it; tests use default for it (MIRROR).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", True),
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# PostgreSQL's JIT compiler is off unless DATABASE_JIT=1: it is meant for long analytic queries, and on the pages'
# aggregates over a call (a GROUP BY over 100,000 applications, ~40 ms of work) compiling took 120–200 ms of each
# request (EXPLAIN ANALYZE: "JIT … Total 200 ms" of 246 ms; bench/README.md, issue 15).
if not env_bool("DATABASE_JIT", False):
    for _database in DATABASES.values():
        if _database["ENGINE"] == "django.db.backends.postgresql":
            _options = _database.setdefault("OPTIONS", {})
            if "jit=" not in _options.get("options", ""):
                _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DATABASE_ROUTERS = ["tidu.core.db_routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# AxesBackend first: it refuses a locked-out (username, address) before the password is even checked
# (tidu/accounts/throttle.py); ModelBackend then checks the password.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesBackend", "django.contrib.auth.backends.ModelBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": int(os.environ.get("TIDU_PASSWORD_MIN_LENGTH", "8"))}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # tidu/accounts/password_policy.py: complexity, and none of the last N passwords again.
    {"NAME": "tidu.accounts.password_policy.CharacterClassesValidator",
     "OPTIONS": {"min_classes": int(os.environ.get("TIDU_PASSWORD_MIN_CLASSES", "3"))}},
    {"NAME": "tidu.accounts.password_policy.PasswordHistoryValidator",
     "OPTIONS": {"count": int(os.environ.get("TIDU_PASSWORD_HISTORY", "5"))}},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "tidu" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
FORMAT_MODULE_PATH = ["tidu.formats"]  # per-locale date formats (English: 20 Feb 2026)
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# Files go through Django storages: local filesystem by default, S3-compatible when configured.
if os.environ.get("STORAGE_BACKEND", "filesystem") == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("S3_BUCKET", "tidu"),
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID"),
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY"),
            "default_acl": "private",
            "querystring_auth": True,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# Production (DEBUG=0) serves hashed, compressed copies made by `tidu collectstatic`, cached forever by
# browsers; development reads the apps' static folders directly.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
if STATIC_MANIFEST:
    # Static files straight from the application servers (no CDN), from STATIC_ROOT; never media, which
    # only the permission-checked views serve. (Development: runserver serves the apps' static folders.)
    MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                      "whitenoise.middleware.WhiteNoiseMiddleware")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if STATIC_MANIFEST
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tidu@localhost")

# Notification channels (tidu/notifications/channels.py): in-app always; e-mail and SMS as each person chooses.
# SMS backend: "console" (log only, the default) or "aliyun" (Alibaba Cloud SMS SendSms; keys from the vendor).
TIDU_SMS_BACKEND = os.environ.get("TIDU_SMS_BACKEND", "console")
TIDU_SMS_SIGN_NAME = os.environ.get("TIDU_SMS_SIGN_NAME", "")  # the issuer's vendor-approved 签名, per deployment
TIDU_SMS_ALIYUN_ACCESS_KEY_ID = os.environ.get("TIDU_SMS_ALIYUN_ACCESS_KEY_ID", "")
TIDU_SMS_ALIYUN_ACCESS_KEY_SECRET = os.environ.get("TIDU_SMS_ALIYUN_ACCESS_KEY_SECRET", "")
TIDU_SMS_ALIYUN_TEMPLATE_CODE = os.environ.get("TIDU_SMS_ALIYUN_TEMPLATE_CODE", "")
TIDU_SMS_ALIYUN_ENDPOINT = os.environ.get("TIDU_SMS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
# A failed e-mail or SMS is retried by `tidu deliver_events` until sent or this many attempts were made.
TIDU_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("TIDU_NOTIFY_MAX_ATTEMPTS", "5"))

# Background work: django-tasks. Immediate in development; production points this at a database backend.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"),
    }
}

SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# HSTS is on in production (DEBUG=0) for a year unless SECURE_HSTS_SECONDS says otherwise; off in development.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Health checks come from the load balancer over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind a reverse proxy (nginx, deploy/nginx/tidu.conf) that terminates TLS. Only switch these on when
# every request passes through that proxy: a client reaching gunicorn directly could forge the headers.
# SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https" (header as a META key, then the value meaning HTTPS);
# BEHIND_PROXY=1 is short for exactly that.
_proxy_ssl_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "")
if _proxy_ssl_header:
    _header, _comma, _value = _proxy_ssl_header.partition(",")
    SECURE_PROXY_SSL_HEADER = (_header.strip(), _value.strip() or "https")
elif env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts only from our own static files — no inline <script>, no inline
# event handlers, no eval — and nothing from any other origin (no CDN). Inline style *attributes* are still
# allowed (style-src-attr: they cannot run script); <style> elements are not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-elem": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Where the policy packs live (versioned YAML files in the repository).
TIDU_POLICY_DIR = Path(os.environ.get("TIDU_POLICY_DIR", BASE_DIR / "tidu" / "policy" / "packs"))
# Demo/training clock for business rules (deadlines, windows); empty = real time. See tidu/core/clock.py.
TIDU_NOW = os.environ.get("TIDU_NOW", "")
# Explicit CJK font file for PDFs; found automatically when unset.
TIDU_CJK_FONT = os.environ.get("TIDU_CJK_FONT", "")

# LOG_FORMAT=json: one JSON object per line with the request id (tidu/core/logging.py), for log collectors.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "tidu.core.logging.RequestIdFilter"}},
    "formatters": {"json": {"()": "tidu.core.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             **({"formatter": "json"} if LOG_FORMAT == "json" else {})}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
# The task worker (`tidu db_worker`) records a heartbeat this often; /healthz calls a worker alive when
# its last heartbeat is younger than TIDU_WORKER_STALE_SECONDS.
TIDU_WORKER_HEARTBEAT_SECONDS = int(os.environ.get("TIDU_WORKER_HEARTBEAT_SECONDS", "10"))
TIDU_WORKER_STALE_SECONDS = int(os.environ.get("TIDU_WORKER_STALE_SECONDS", "60"))
# Batch actions run as jobs in chunks of this many applications, each chunk one transaction; a run with no
# progress for TIDU_BATCH_STALE_SECONDS is started again by `tidu resume_batches`.
TIDU_BATCH_CHUNK_SIZE = int(os.environ.get("TIDU_BATCH_CHUNK_SIZE", "100"))
TIDU_BATCH_STALE_SECONDS = int(os.environ.get("TIDU_BATCH_STALE_SECONDS", "120"))
# Where `tidu backup` writes (copy the folders off the machine too; see docs/deployment.md).
TIDU_BACKUP_DIR = Path(os.environ.get("TIDU_BACKUP_DIR", VAR_DIR / "backups"))

SITE_TITLE = _("智能工厂梯度培育申报评价平台")

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:dashboard"
LOGOUT_REDIRECT_URL = "home"

# Evidence uploads (佐证材料)
TIDU_EVIDENCE_MAX_BYTES = int(os.environ.get("TIDU_EVIDENCE_MAX_BYTES", str(50 * 1024 * 1024)))
# Pictures (evidence, on-site photos, objection attachments): width × height cap read from the header before any
# decoding (tidu/core/images.py); a technical limit set by operations, not a policy number.
TIDU_IMAGE_MAX_PIXELS = int(os.environ.get("TIDU_IMAGE_MAX_PIXELS", "50000000"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Public 公示 objections: per-address daily limit and attachment size. The client's address: REMOTE_ADDR, or,
# behind TIDU_TRUSTED_PROXIES reverse proxies that append to TIDU_CLIENT_IP_HEADER (default X-Forwarded-For),
# the entry that many places from the right (tidu/core/client_ip.py).
TIDU_OBJECTION_DAILY_LIMIT = int(os.environ.get("TIDU_OBJECTION_DAILY_LIMIT", "3"))
TIDU_OBJECTION_MAX_BYTES = int(os.environ.get("TIDU_OBJECTION_MAX_BYTES", str(10 * 1024 * 1024)))
TIDU_CLIENT_IP_HEADER = os.environ.get("TIDU_CLIENT_IP_HEADER", "")
# An older configuration named only the header: that meant one proxy (nginx) in front.
TIDU_TRUSTED_PROXIES = int(os.environ.get("TIDU_TRUSTED_PROXIES", "1" if TIDU_CLIENT_IP_HEADER else "0"))
# Failed logins (django-axes, tidu/accounts/throttle.py): TIDU_LOGIN_MAX_FAILURES wrong passwords for one
# username from one address lock that username from that address (only) for TIDU_LOGIN_LOCKOUT_MINUTES;
# TIDU_LOGIN_IP_MAX_FAILURES failures from one address over all usernames lock the address. The user can
# unlock at once with an e-mailed link valid TIDU_UNLOCK_LINK_MINUTES, or by resetting the password.
TIDU_LOGIN_MAX_FAILURES = int(os.environ.get("TIDU_LOGIN_MAX_FAILURES", "5"))
TIDU_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("TIDU_LOGIN_LOCKOUT_MINUTES", "15"))
TIDU_LOGIN_IP_MAX_FAILURES = int(os.environ.get("TIDU_LOGIN_IP_MAX_FAILURES", "30"))
TIDU_UNLOCK_LINK_MINUTES = int(os.environ.get("TIDU_UNLOCK_LINK_MINUTES", "60"))
AXES_HANDLER = "tidu.accounts.throttle.ThrottleHandler"
AXES_FAILURE_LIMIT = "tidu.accounts.throttle.failure_limit"
AXES_COOLOFF_TIME = "tidu.accounts.throttle.cool_off"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "tidu.core.client_ip.client_address"
AXES_USERNAME_CALLABLE = "tidu.accounts.throttle.username_of"
AXES_LOCKOUT_CALLABLE = "tidu.accounts.throttle.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # the locks of the last day set the back-off (throttle.cool_off)
# Roles that must log in with a TOTP second factor (django-otp; tidu/accounts/second_factor.py); other roles
# may enrol themselves. Wrong codes allowed per account per hour. Idle sessions end after
# TIDU_IDLE_TIMEOUT_MINUTES (officers and administrators) or TIDU_ENTERPRISE_IDLE_TIMEOUT_MINUTES (enterprises).
TIDU_OTP_REQUIRED_ROLES = env_list("TIDU_OTP_REQUIRED_ROLES", "city,expert,admin,security_admin,auditor")
TIDU_OTP_ATTEMPTS_PER_HOUR = int(os.environ.get("TIDU_OTP_ATTEMPTS_PER_HOUR", "10"))
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "tidu")
TIDU_IDLE_TIMEOUT_MINUTES = int(os.environ.get("TIDU_IDLE_TIMEOUT_MINUTES", "30"))
TIDU_ENTERPRISE_IDLE_TIMEOUT_MINUTES = int(os.environ.get("TIDU_ENTERPRISE_IDLE_TIMEOUT_MINUTES", "120"))
# Password-reset requests per address and per account, unlock e-mails per address, and enterprise
# registrations per address, each within one hour (0 = no limit).
TIDU_PASSWORD_RESET_PER_ADDRESS = int(os.environ.get("TIDU_PASSWORD_RESET_PER_ADDRESS", "10"))
TIDU_PASSWORD_RESET_PER_ACCOUNT = int(os.environ.get("TIDU_PASSWORD_RESET_PER_ACCOUNT", "3"))
TIDU_REGISTRATION_PER_ADDRESS = int(os.environ.get("TIDU_REGISTRATION_PER_ADDRESS", "10"))
# HTTP API (tidu/api): requests per personal access token per minute (0 = no limit).
TIDU_API_RATE_PER_MINUTE = int(os.environ.get("TIDU_API_RATE_PER_MINUTE", "120"))
