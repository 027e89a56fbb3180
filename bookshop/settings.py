"""Settings for the coloring-book shop, all read from the environment.

Local use (DEBUG=1, as `make run` and the tests set it) needs no other
variable: SQLite under var/, the offline image provider, the demo checkout and
emails written to var/outbox/. DEBUG is off unless set to 1, and with DEBUG
off the settings refuse to start without their secrets.
"""

import json
import os
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return default if value is None else int(value)


def env_float(name: str, default: float) -> float:
    value = env(name)
    return default if value is None else float(value)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name) or default).split(",") if item.strip()]


def env_pairs(name: str) -> dict[str, str]:
    """ "a=1,b=2" as {"a": "1", "b": "2"}; a malformed pair stops the start."""
    pairs = {}
    for item in env_list(name):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ImproperlyConfigured(f"{name}: {item!r} is not key=value.")
        pairs[key.strip()] = value.strip()
    return pairs


def required(name: str) -> str:
    value = env(name)
    if value is None:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off.")
    return value


# Off unless asked for: a deploy that forgets a variable must fail to start,
# never serve debug pages, the development key or the demo checkout.
# `make run` and the tests set DEBUG=1.
DEBUG = env_bool("DEBUG", default=False)

# Render tells each web service its public host name and URL; with them,
# ALLOWED_HOSTS and SITE_URL need not be set by hand (a custom domain still
# sets both).
RENDER_EXTERNAL_HOSTNAME = env("RENDER_EXTERNAL_HOSTNAME")
RENDER_EXTERNAL_URL = env("RENDER_EXTERNAL_URL") or (
    f"https://{RENDER_EXTERNAL_HOSTNAME}" if RENDER_EXTERNAL_HOSTNAME else None
)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-never-used-in-production")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
else:
    SECRET_KEY = required("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", RENDER_EXTERNAL_HOSTNAME or "") or [required("ALLOWED_HOSTS")]

# The absolute base of every link in an email and of Stripe's return pages.
# A production host that guessed it would mail parents links to 127.0.0.1:
# outside Render it must be said.
SITE_URL = env("SITE_URL", RENDER_EXTERNAL_URL) or ("http://127.0.0.1:8000" if DEBUG else required("SITE_URL"))
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL must be an absolute http(s) URL, not {SITE_URL!r}.")
SITE_URL = SITE_URL.rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS") or ([SITE_URL] if SITE_URL.startswith("https://") else [])

INSTALLED_APPS = [
    # Django's admin, on the staff site of bookshop/staff.py (sign-in with
    # the optional second factor).
    "bookshop.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Before django_q: its `qcluster` command (generator/cluster.py) replaces
    # django-q2's, to stop within seconds of SIGTERM.
    "generator",
    "django_q",
    "anymail",
    # Staff sign-in: lockout after failed attempts (axes), and one-time codes
    # from an authenticator app (django-otp's TOTP devices).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "orders",
    # Last: the project's own worker housekeeping (outbox and sweep), started
    # in each worker process after the factory's start-up sweep.
    "bookshop.apps.BookshopConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A NUL byte in a query parameter would fail any lookup on PostgreSQL.
    "bookshop.middleware.RefuseNulInQueryMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The visitor's language: the switcher's cookie, else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): signed in with a one-time code this session.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bookshop.urls"
WSGI_APPLICATION = "bookshop.wsgi.application"

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
            ],
        },
    },
]

# Database. SQLite is tuned for one web process and one worker writing at
# once: WAL lets readers proceed during a write, the busy timeout waits for
# the write lock instead of failing, and IMMEDIATE transactions take that lock
# at BEGIN so two writers never deadlock upgrading a read lock.
SQLITE_PATH = VAR_DIR / "db.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"), conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests run a real worker in another process, which cannot see an
    # in-memory database; keep the test database on disk, one per test run.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A small managed PostgreSQL allows a few dozen connections for every
    # host together, and a host's threads (web requests, book lanes, their
    # heartbeats, outbox senders) each kept one of their own: 14 to 18 per
    # host with BOOK_WORKERS=3. Each process now shares a pool of at most
    # DATABASE_POOL_SIZE (Django's own, psycopg_pool), and its threads give
    # theirs back between bursts of queries; one that finds the pool taken
    # waits up to DATABASE_POOL_TIMEOUT s (the bursts last milliseconds).
    # 3: the web process's four threads rarely query at the same moment, and
    # the worker's threads hold one for milliseconds. min_size 0: a process
    # with nothing to do (django-q2's sentinel, monitor, pusher: one thread
    # each, so one connection each at most) closes its last after max_idle
    # s. A host (bin/start) is the web process, the worker process and
    # those three: 3 + 3 + 3 = 9 at most (README, "Database connections"). With
    # CONN_HEALTH_CHECKS the pool checks a connection before handing it out
    # (one dropped by the server or a proxy is replaced).
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them: Django must not
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "pool": {
            "min_size": 0,
            "max_size": env_int("DATABASE_POOL_SIZE", 3),
            "timeout": env_float("DATABASE_POOL_TIMEOUT", 30.0),
            "max_idle": 30.0,
        },
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Axes first: a locked-out account or address is refused before
# ModelBackend computes the password's hash (PBKDF2, most of a second of
# CPU), so guessing costs the shop nothing once the lockout starts.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Staff sign-in (README, "Staff accounts"). Failed sign-ins are counted per
# account and per client address, apart: STAFF_LOGIN_FAILURE_LIMIT failures
# on one account (from anywhere) lock that account, as many from one
# address (whatever the names tried) lock that address, for
# STAFF_LOGIN_LOCKOUT_MINUTES (0: until staff unlock it, `manage.py
# axes_reset_username <name>` or `axes_reset_ip <address>`).
AXES_FAILURE_LIMIT = env_int("STAFF_LOGIN_FAILURE_LIMIT", 5)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
_lockout_minutes = env_int("STAFF_LOGIN_LOCKOUT_MINUTES", 30)
AXES_COOLOFF_TIME = timedelta(minutes=_lockout_minutes) if _lockout_minutes else None
# The client address as the shop computes it everywhere else (rate limits,
# orders): one function, so the proxy setup is configured once.
AXES_CLIENT_IP_CALLABLE = "orders.client_ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
# A success forgets that account's and address's earlier failures.
AXES_RESET_ON_SUCCESS = True
# Only the failures are kept (the lockout needs them), not a row per sign-in.
AXES_DISABLE_ACCESS_LOG = True
# Staff must sign in with a code from an authenticator app (TOTP) as well
# as their password; off, only staff who enrolled one are asked for it.
STAFF_REQUIRE_2FA = env_bool("STAFF_REQUIRE_2FA", False)
# The issuer an authenticator app shows beside the account (SHOP_NAME's).
OTP_TOTP_ISSUER = env("SHOP_NAME", "Crayon Tales")
# The admin never shows a device's secret again once it is made.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The shop speaks English and French: pages from the visitor's language (the
# switcher's cookie, else Accept-Language), an order's emails and book from
# the order's. Message files: locale/ (the shop's pages and emails) and
# generator/locale/ (the book's own words), compiled by `make install`.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "shop_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Only the server reads it; sent over HTTPS only in production (below).
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Filled by `collectstatic` (the Dockerfile runs it at build time).
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: downloads go through the order's token
STORAGES = {
    # Images and PDFs. Local disk by default; with S3_BUCKET, any S3-compatible
    # object storage, shared by every web and worker machine.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

S3_BUCKET = env("S3_BUCKET")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env("S3_ENDPOINT_URL"),
            "region_name": env("S3_REGION"),
            "access_key": env("S3_ACCESS_KEY_ID"),
            "secret_key": env("S3_SECRET_ACCESS_KEY"),
            # Books are private: only the shop reads them, and customers
            # download through the order's signed link.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# Request limits: the order form and Stripe's events are small.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 50

# Security: these make `manage.py check --deploy` pass in production.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): everything from the shop itself; no
# inline script or style but the page's own, carrying the request's nonce
# (templates use request.csp_nonce), so text that slipped past escaping
# could still not run. Forms post to the shop, whose answer may send the
# browser on to Stripe's Checkout (form-action covers that redirect).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF, "https://checkout.stripe.com"],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [NONE],
    }
}

# Email. Locally every message is written to var/outbox/; production sets
# EMAIL_BACKEND to an anymail backend and passes its keys as ANYMAIL_<NAME>,
# or to Django's SMTP backend with the EMAIL_HOST... variables below.
# The local backend writes one file per Message-ID (bookshop/mailbox.py).
LOCAL_EMAIL_BACKEND = "bookshop.mailbox.EmailBackend"
SMTP_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_BACKEND = env("EMAIL_BACKEND", LOCAL_EMAIL_BACKEND)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(VAR_DIR / "outbox"))
# Django's SMTP settings, read from the environment under their own names.
# 587 with STARTTLS is what mail providers document for submission; port
# 465 (implicit TLS) sets EMAIL_USE_SSL=1 and EMAIL_USE_TLS=0 instead.
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", not EMAIL_USE_SSL)
if EMAIL_USE_SSL and EMAIL_USE_TLS:
    raise ImproperlyConfigured("EMAIL_USE_SSL and EMAIL_USE_TLS are exclusive: set one of them.")
# SMTP's timeout per send, well under OUTBOX_LEASE_SECONDS.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "books@localhost")
# The brand: the header of every email, and the name customers see the
# emails come from. The customer's emails (orders/emails.py) go out from
# "SHOP_NAME <the address in DEFAULT_FROM_EMAIL>": a display name written in
# DEFAULT_FROM_EMAIL is ignored there, so the sender is named one way however
# the address was configured (it still names Django's own mail, like
# SERVER_EMAIL's staff alerts).
SHOP_NAME = env("SHOP_NAME", "Crayon Tales")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Where parents write to us (the contact, refund and privacy pages): the
# address DEFAULT_FROM_EMAIL sends from, unless set.
SHOP_CONTACT_EMAIL = env("SHOP_CONTACT_EMAIL", "") or parseaddr(DEFAULT_FROM_EMAIL)[1] or "books@localhost"
ANYMAIL = {key[len("ANYMAIL_") :]: value for key, value in os.environ.items() if key.startswith("ANYMAIL_")}
ADMINS = [("Staff", address) for address in env_list("ADMINS")]
if not DEBUG and (EMAIL_BACKEND == LOCAL_EMAIL_BACKEND or EMAIL_BACKEND.endswith("filebased.EmailBackend")):
    raise ImproperlyConfigured("Set EMAIL_BACKEND (an anymail backend, or SMTP's) when DEBUG is off.")
if not DEBUG and EMAIL_BACKEND == SMTP_EMAIL_BACKEND and env("EMAIL_HOST") is None:
    raise ImproperlyConfigured("EMAIL_HOST must be set when DEBUG is off and EMAIL_BACKEND is SMTP's.")

# The outbox (orders/outbox.py): emails are rows written with the change they
# tell about, sent by a thread in each worker process, never by the web.
# Seconds between looks at the outbox (a confirmation waits at most this).
OUTBOX_POLL_SECONDS = env_float("OUTBOX_POLL_SECONDS", 1.0)
# Emails sent at once per worker process: fifty 2-second sends take 25 s.
OUTBOX_CONCURRENCY = env_int("OUTBOX_CONCURRENCY", 4)
# A failed send is retried after 30 s, 60 s, 120 s... (at most an hour
# apart), and shown to staff as failed after this many attempts (about 2 h).
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
OUTBOX_BACKOFF_SECONDS = env_float("OUTBOX_BACKOFF_SECONDS", 30.0)
OUTBOX_BACKOFF_MAX_SECONDS = env_float("OUTBOX_BACKOFF_MAX_SECONDS", 3600.0)
# An email left "sending" this long had its sender die mid-send: it is sent
# again, same Message-ID. Must exceed the mail backend's timeout.
OUTBOX_LEASE_SECONDS = env_float("OUTBOX_LEASE_SECONDS", 120.0)
# The sweep (heartbeat, orphaned jobs, lost tasks), in the same thread.
SWEEP_SECONDS = env_float("SWEEP_SECONDS", 60.0)

# Payments. Without a Stripe key the shop runs its demo checkout, which
# production settings refuse.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env("STRIPE_API_BASE")
# The web front (bookshop/server.py): a request's whole body must arrive this
# long after its headers (else 408), and no larger than this (else 413), before
# a thread of Django sees it: slow clients held gunicorn's threads forever.
# Stripe's events and the order form are a few kilobytes sent at once; the
# shop takes no uploads (Django's own form limit is 256 KB, above).
WEB_BODY_SECONDS = env_float("WEB_BODY_SECONDS", 10.0)
WEB_MAX_BODY_BYTES = env_int("WEB_MAX_BODY_BYTES", 1024 * 1024)
# Where the client's address comes from, for the rate limits (orders/client_ip.py):
# "render" (Cloudflare's CF-Connecting-IP, which Render's edge sets whatever
# the client sent), "proxy" (NUM_PROXIES proxies of our own append to
# X-Forwarded-For: the entry the outermost one wrote) or "direct" (the
# connection's). Unset: "render" on Render (it sets RENDER=true), else "proxy"
# when NUM_PROXIES is set, else "direct". Counting X-Forwarded-For on Render
# took Cloudflare's edge, so every customer behind one edge shared a limit.
NUM_PROXIES = env_int("NUM_PROXIES", 0)
CLIENT_IP_SOURCE = (env("CLIENT_IP_SOURCE") or ("render" if env("RENDER") == "true" else "")).strip().lower()
if CLIENT_IP_SOURCE not in {"", "render", "proxy", "direct"}:
    raise ImproperlyConfigured("CLIENT_IP_SOURCE must be 'render', 'proxy' or 'direct'.")
# Orders one client address may place in an hour (0: no limit).
ORDER_RATE_LIMIT_PER_HOUR = env_int("ORDER_RATE_LIMIT_PER_HOUR", 10)
BOOK_PRICE_CENTS = env_int("BOOK_PRICE_CENTS", 999)
BOOK_CURRENCY = (env("BOOK_CURRENCY", "usd") or "usd").lower()
# A price per currency, "usd=999,eur=899" (cents); BOOK_CURRENCY's price is
# BOOK_PRICE_CENTS unless named here. And the currency a language pays in,
# "fr=eur"; a language not named pays in BOOK_CURRENCY (orders/pricing.py).
BOOK_PRICES = {currency.lower(): int(cents) for currency, cents in env_pairs("BOOK_PRICES").items()}
BOOK_LANGUAGE_CURRENCIES = {
    language.lower(): currency.lower() for language, currency in env_pairs("BOOK_LANGUAGE_CURRENCIES").items()
}
DEMO_CHECKOUT = STRIPE_SECRET_KEY is None
if not DEBUG and DEMO_CHECKOUT:
    raise ImproperlyConfigured("STRIPE_SECRET_KEY must be set when DEBUG is off: demo checkout is for local use.")
if not DEBUG:
    required("STRIPE_WEBHOOK_SECRET")

# Image generation.
GEMINI_API_KEY = env("GEMINI_API_KEY")
GEMINI_BASE_URL = env("GEMINI_BASE_URL")
IMAGE_PROVIDER = env("IMAGE_PROVIDER", "gemini" if GEMINI_API_KEY else "offline")
if IMAGE_PROVIDER not in {"offline", "gemini"}:
    raise ImproperlyConfigured("IMAGE_PROVIDER must be 'offline' or 'gemini'.")
# A production shop that lost its Gemini key would sell the offline
# provider's procedural drawings at the book's price: it must be chosen.
if not DEBUG and IMAGE_PROVIDER == "offline" and env("IMAGE_PROVIDER") is None:
    raise ImproperlyConfigured(
        "GEMINI_API_KEY must be set when DEBUG is off; to sell the offline provider's drawings on purpose, "
        "set IMAGE_PROVIDER=offline."
    )
if not DEBUG and IMAGE_PROVIDER == "gemini" and not GEMINI_API_KEY:
    raise ImproperlyConfigured("GEMINI_API_KEY must be set when IMAGE_PROVIDER is gemini.")
OFFLINE_IMAGE_LATENCY = env_float("OFFLINE_IMAGE_LATENCY", 0.0)
# --- Gemini (generator/providers/gemini.py) ---
# Model names change often at Google (three times for image models in 2026),
# so each model setting is an ordered, comma-separated list: a model Google
# answers NOT_FOUND (or "not supported") for is retired shop-wide, once, and
# its list goes on with the next (generator/geministate.py; staff un-retire
# one in the admin). The defaults are Google's current GA models (changelog
# of 2026-10-06): Nano Banana 2.1, then 3.1 Flash Image (deprecated that day,
# kept as the fallback until it shuts down). The text model only plans 12
# one-line scenes, so a Flash-Lite is enough. Imagen is retired, and the
# installed SDK serves `imagen-*` models only on Vertex AI.
GEMINI_TEXT_MODEL = env_list("GEMINI_TEXT_MODEL", "gemini-3.5-flash-lite,gemini-3.1-flash-lite")
GEMINI_IMAGE_MODEL = env_list("GEMINI_IMAGE_MODEL", "gemini-nano-banana-2.1,gemini-3.1-flash-image")
# Coloring models; empty means the image models.
GEMINI_COLOR_MODEL = env_list("GEMINI_COLOR_MODEL", "")
# API version in the URL. google-genai 3.x calls v1 unless told otherwise
# (it never picks v1beta by itself), and v1 has no image output: its
# GenerationConfig lacks responseModalities and imageConfig, which v1beta
# serves, so Google answers 400 to every image call on v1.
GEMINI_API_VERSION = env("GEMINI_API_VERSION", "v1beta")
# 3:4 is the supported ratio closest to a printed page (Letter is 0.77, A4
# 0.71), so a portrait page fills the sheet; "2K" (about 1800x2400) prints at
# about 250 DPI, crisp lines, where "1K" would look soft. Images are then
# scaled down to fit BOOK_IMAGE_SIZE on their long side.
GEMINI_ASPECT_RATIO = env("GEMINI_ASPECT_RATIO", "3:4")
GEMINI_IMAGE_SIZE = env("GEMINI_IMAGE_SIZE", "2K")
# Seconds one HTTP call may take; a 2K image usually takes 10 to 40 s.
GEMINI_TIMEOUT = env_float("GEMINI_TIMEOUT", 120.0)
# Timeouts, 429 and 5xx are retried with exponential backoff and full jitter:
# at most this many retries per image, sleeping at most this long in all.
GEMINI_MAX_RETRIES = env_int("GEMINI_MAX_RETRIES", 5)
GEMINI_BACKOFF_BASE = env_float("GEMINI_BACKOFF_BASE", 2.0)
GEMINI_BACKOFF_MAX = env_float("GEMINI_BACKOFF_MAX", 60.0)
GEMINI_RETRY_BUDGET = env_float("GEMINI_RETRY_BUDGET", 180.0)
# An image call answered without an image and without a safety block
# (NO_IMAGE, IMAGE_OTHER, RECITATION, text only, empty) is asked again, with
# the same backoff, this many times per image; then the job is put back in
# line (its pages kept), never failed for it: these pass within minutes.
GEMINI_NO_IMAGE_RETRIES = env_int("GEMINI_NO_IMAGE_RETRIES", 3)
# Requests per minute for the whole shop, all hosts and processes together
# (the account's quota; 0: none). Shared in Redis with REDIS_URL, else in the
# database (generator/ratebudget.py).
GEMINI_RPM = env_int("GEMINI_RPM", 0)
# --- end Gemini ---
# What Gemini bills (generator/costs.py): US dollars per million tokens, per
# model, for input text, input images, output text (thinking included) and
# output images. Google's list prices as of 2026-12-03 (README, "Gemini
# prices used"); a model is priced by the longest name here it starts with.
# GEMINI_PRICES (JSON, same shape) replaces or adds rows.
GEMINI_PRICES = {
    "gemini-3.1-flash-image": {"input_text": 0.50, "input_image": 0.50, "output_text": 3.00, "output_image": 60.00},
    "gemini-nano-banana-2.1": {"input_text": 1.50, "input_image": 1.50, "output_text": 7.50, "output_image": 30.00},
    "gemini-3-pro-image": {"input_text": 2.00, "input_image": 2.00, "output_text": 12.00, "output_image": 120.00},
    "gemini-2.5-flash-image": {"input_text": 0.30, "input_image": 0.30, "output_text": 2.50, "output_image": 30.00},
    "gemini-3.1-flash-lite": {"input_text": 0.25, "input_image": 0.25, "output_text": 1.50, "output_image": 0.0},
    # No list price found for 3.5 Flash-Lite: 3.1 Flash-Lite's (a plan costs a hundredth of a cent).
    "gemini-3.5-flash-lite": {"input_text": 0.25, "input_image": 0.25, "output_text": 1.50, "output_image": 0.0},
}
try:
    GEMINI_PRICES |= json.loads(env("GEMINI_PRICES", "") or "{}")
except ValueError as exc:
    raise ImproperlyConfigured(f"GEMINI_PRICES must be JSON: {exc}") from exc
# An answer that counts no tokens (or from a model not priced above) is
# charged this, and counted as estimated: about one 2K image at list price.
GEMINI_CALL_ESTIMATE_CENTS = env_float("GEMINI_CALL_ESTIMATE_CENTS", 10.0)
# Pixel size of the long side of the images the providers make. 2048 prints
# a full page at about 250 DPI; tests use less to stay quick.
BOOK_IMAGE_SIZE = env_int("BOOK_IMAGE_SIZE", 2048)
BOOK_SCENES = 12

# Free previews (the cover and one scene, before paying): how often the
# preview lane of each worker process looks for one, how many a client
# address and an email may ask for a day, redraws of another scene, how
# long an unordered preview is kept, and the day's spend cap on previews
# (what Gemini billed for them, generator/costs.py; the offline provider
# costs nothing). Past the cap the form goes straight to ordering.
PREVIEW_POLL_SECONDS = env_float("PREVIEW_POLL_SECONDS", 0.5)
PREVIEWS_PER_ADDRESS_PER_DAY = env_int("PREVIEWS_PER_ADDRESS_PER_DAY", 10)
PREVIEWS_PER_EMAIL_PER_DAY = env_int("PREVIEWS_PER_EMAIL_PER_DAY", 5)
PREVIEW_REDRAWS = env_int("PREVIEW_REDRAWS", 2)
PREVIEW_MAX_AGE_DAYS = env_int("PREVIEW_MAX_AGE_DAYS", 3)
PREVIEW_DAILY_SPEND_CENTS = env_int("PREVIEW_DAILY_SPEND_CENTS", 2000)
# The long side of the watermarked images a preview page shows.
PREVIEW_IMAGE_PIXELS = 900
# The most image API calls one book has in flight: a book alone on its host
# may use that many of the host's call slots (HOST_API_CALLS), books running
# together share them (generator/hostlimits.py HostShare). 12 lets a book
# draw its twelve line arts in one round after the plan and the cover, so a
# book takes three calls one after another (plan and cover, line art,
# coloring); each call mostly waits on the network.
GENERATION_CONCURRENCY = env_int("GENERATION_CONCURRENCY", 12)
# Books generated at the same time on this host: book lanes, threads of the
# one worker process (generator/lanes.py), which look for a book every
# BOOK_POLL_SECONDS (and at once when a book is paid for).
BOOK_WORKERS = env_int("BOOK_WORKERS", 1)
BOOK_POLL_SECONDS = env_float("BOOK_POLL_SECONDS", 1.0)
# Work that needs a lot of memory at once is admitted a few at a time across
# every book and process of the host (generator/hostlimits.py), whatever
# BOOK_WORKERS is: image API calls in flight (an answer holds its image
# several times while it is read), shared by the books running: one alone
# has up to GENERATION_CONCURRENCY of them, several split them fairly (the
# default is a book's twelve and a preview's call, or six a book as
# `make bench-load` measured three books within 512 MB); decoding a
# full-size image (about 45 MB for a 2400-pixel one) and rendering a PDF.
HOST_API_CALLS = env_int("HOST_API_CALLS", max(13, 6 * max(1, BOOK_WORKERS)))
HOST_IMAGE_DECODES = env_int("HOST_IMAGE_DECODES", 1)
HOST_PDF_RENDERS = env_int("HOST_PDF_RENDERS", 1)
HOST_LOCK_DIR = Path(env("HOST_LOCK_DIR", str(VAR_DIR / "locks")))
# Memory of the host, for the dashboard's advice on BOOK_WORKERS.
HOST_MEMORY_MB = env_int("HOST_MEMORY_MB", 512)
# A job whose worker died is taken over once its heartbeat is this old, and
# is failed for good after this many attempts.
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 10)
# How often a running job reads its own status (one primary-key lookup): a
# refund or cancel stops new image calls within this, so only the calls then
# in flight are paid for.
JOB_WATCH_SECONDS = env_float("JOB_WATCH_SECONDS", 0.5)
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 60)
# The host's name in worker names ("host:pid"): a worker releases the jobs of
# dead processes of its own host at once. Each host needs its own.
WORKER_HOST = env("WORKER_HOST", "") or ""
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3)
# Scenes of one book the planner may rewrite after a safety filter withheld
# their picture twice (the book goes on; staff see the old scene and why).
# Past this many the theme itself is the trouble: the job fails for staff.
BOOK_SCENE_REPLACEMENTS = env_int("BOOK_SCENE_REPLACEMENTS", 3)
# Storage that refuses to write (a full disk, an object store down) is the
# host's fault: the book keeps its attempts and waits, 30 s, then twice as
# long each time up to 15 minutes, for an operator to make room; after 12
# such waits (about two hours in all) it fails for good and staff are told.
STORAGE_BACKOFF_SECONDS = env_float("STORAGE_BACKOFF_SECONDS", 30.0)
STORAGE_BACKOFF_MAX_SECONDS = env_float("STORAGE_BACKOFF_MAX_SECONDS", 900.0)
STORAGE_MAX_RETRIES = env_int("STORAGE_MAX_RETRIES", 12)
# /healthz writes and deletes a small file to tell whether storage takes
# writes, at most this often per process (a platform probes every few seconds).
HEALTH_STORAGE_PROBE_SECONDS = env_float("HEALTH_STORAGE_PROBE_SECONDS", 30.0)

# Delivery: attach the PDF when it fits. Base64 grows a file by 4/3, so
# 7 MB of PDF makes a message of about 9.4 MB, under a 10 MB provider limit.
BOOK_ATTACH_MAX_BYTES = env_int("BOOK_ATTACH_MAX_BYTES", 7 * 1024 * 1024)
DOWNLOAD_LINK_MAX_AGE = env_int("DOWNLOAD_LINK_MAX_AGE", 30 * 24 * 3600)

# The worker (django-q2). The job table, not this queue, is the truth about a
# book: a task only says "there may be a job to run", so a task lost, run
# twice or re-run after a crash costs nothing.
Q_CLUSTER = {
    # Also the broker's queue key: clusters sharing a Redis need their own.
    "name": env("Q_CLUSTER_NAME", "bookshop"),
    # One worker process: its BOOK_WORKERS book lanes make the books
    # (generator/lanes.py); its task loop runs the rest (print PDFs, the
    # tasks that wake the lanes). A process costs about 80 MB before it does
    # anything: three books in one process fit a 512 MB host, three
    # processes did not (README, Measured).
    "workers": 1,
    # Hard cap on one task. A book takes minutes; twenty means a hung API.
    "timeout": env_int("Q_TIMEOUT", 1200),
    # Must exceed timeout, or a running task would be handed out twice.
    "retry": env_int("Q_RETRY", 1260),
    # The job table counts attempts itself (a killed task is re-run by the ORM
    # broker without counting), so django-q2 never retries on its own.
    "max_attempts": 1,
    # Tasks the cluster takes from the broker ahead of its worker: a
    # prefetched task is locked in the broker until "retry" runs out, and
    # nothing is gained by holding more.
    "queue_limit": 2,
    # The worker process is replaced after some tasks (each book queues one)
    # or when it has grown, so a leak in an image library never accumulates
    # on a 512 MB host. A recycled process takes no new book and exits once
    # the books in hand are made (generator/cluster.py: worker_process).
    "recycle": env_int("Q_RECYCLE", 50),
    "max_rss": env_int("Q_MAX_RSS_KB", 300_000),
    "save_limit": 500,
    "ack_failures": True,
    "catch_up": False,
    "poll": 0.5,
    "label": "Worker queue",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"level": "INFO"},
        "weasyprint": {"level": "ERROR"},
        # axes announces its version at every start; lockouts are warnings.
        "axes": {"level": "WARNING"},
        "fontTools": {"level": "ERROR"},
    },
}
