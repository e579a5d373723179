"""Casecoder settings.

Development defaults apply only while DEBUG is on; with DEBUG off, SECRET_KEY and
ALLOWED_HOSTS must come from the environment. DATABASE_URL switches from the SQLite file
under var/ to PostgreSQL (psycopg 3).
"""
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CASECODER_VAR_DIR", BASE_DIR / "var"))


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-change-me-casecoder-0000000000000000000000"

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
if not ALLOWED_HOSTS and DEBUG:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "taggit",
    "ninja",  # serves the API docs' scripts from /static/ instead of a CDN (CSP)
    "django_tasks",  # Django's tasks framework (the backport): long work runs off the request
    "django_tasks_db",  # its database backend: the queue is a table, no extra service
    "apps.projects",
    "apps.transcripts",
    "apps.media",
    "apps.cases",
    "apps.coding",
    "apps.analysis",
    "apps.agreement",
    "apps.search",
    "apps.suggestions",
    "apps.comparison",
    "apps.exports",
    "apps.home",
    "apps.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "config.middleware.ApiErrorsAsJsonMiddleware",  # every API error is JSON with a reason
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.RequestTextMiddleware",  # NUL and lone surrogates refused at the edge
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "apps.projects.sessions.SignedInMiddleware",  # the session, its user and membership in one query
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.middleware.NotFoundPageMiddleware",  # the app's 404 page under DEBUG too
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'casecoder.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's, with a health check that reads the socket before it asks the server (#19).
    DATABASES["default"]["ENGINE"] = "config.postgresql"
# The reads that run on every click are prepared statements on PostgreSQL, planned once per
# connection (apps/projects/compiled.py); off behind a pooler that shares server connections
# between clients, such as PgBouncer in transaction mode (docs/deploy.md).
CASECODER_PREPARED_STATEMENTS = env_flag("CASECODER_PREPARED_STATEMENTS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        # Wait for a lock instead of failing at once when two requests write together; a
        # transaction takes the write lock when it begins, so a waiting one never finds
        # after reading that another wrote first (which no wait can mend).
        "timeout": 20, "transaction_mode": "IMMEDIATE",
        # A write-ahead log: readers (the web workers, the task worker) and the writer do not
        # block each other, and a commit appends to one file instead of journalling and
        # rewriting pages: coding a passage took 4.7 ms with the default journal, 2.0 with
        # the log (#19). Synchronous stays FULL, so a commit is on disk when it returns.
        "init_command": "PRAGMA journal_mode=WAL;",
    })
    # Connections are kept (CONN_MAX_AGE) as on PostgreSQL: a new one reads and parses the
    # whole schema before its first query, about 1.5 ms of every request here (#19).

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "project_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
if DEBUG:
    # whitenoise serves from the finders in development; an existing STATIC_ROOT keeps it quiet.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "config.storage.StaticStorage"  # whitenoise's compressed manifest, addresses kept
    },
}

# Uploads are read in memory and stored in the database, never on local disk, so that
# several application servers can share one PostgreSQL.
CASECODER_MAX_UPLOAD_BYTES = int(os.environ.get("CASECODER_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = CASECODER_MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = CASECODER_MAX_UPLOAD_BYTES + 1024 * 1024

# Recordings (apps.media) are the exception: far too large for the database, they are kept
# through Django's storage API, on disk under var/media by default (CASECODER_MEDIA_ROOT
# moves it; several servers share an S3-compatible store through django-storages, see
# docs/deploy.md). An upload over FILE_UPLOAD_MAX_MEMORY_SIZE passes through a temporary
# file while it is checked. They are served only through a view that checks membership:
# MEDIA_ROOT must not be published by the web server.
MEDIA_ROOT = Path(os.environ.get("CASECODER_MEDIA_ROOT", VAR_DIR / "media"))
CASECODER_MAX_MEDIA_BYTES = int(os.environ.get("CASECODER_MAX_MEDIA_BYTES", 1024 * 1024 * 1024))

# Transcription of a recording runs on this machine (apps/media/transcription/), never on a
# service: "pocketsphinx" (English, its model comes in the PyPI wheel) or "whisper"
# (faster-whisper, the optional extra `pip install -e '.[whisper]'`, from the model folder
# CASECODER_WHISPER_MODEL_DIR names; nothing is downloaded). The recording page offers the
# engines that can run and says why the others cannot.
CASECODER_TRANSCRIPTION_ENGINE = os.environ.get("CASECODER_TRANSCRIPTION_ENGINE", "").strip() or "pocketsphinx"
CASECODER_WHISPER_MODEL_DIR = os.environ.get("CASECODER_WHISPER_MODEL_DIR", "").strip()
CASECODER_WHISPER_DEVICE = os.environ.get("CASECODER_WHISPER_DEVICE", "").strip() or "cpu"
CASECODER_WHISPER_COMPUTE_TYPE = os.environ.get("CASECODER_WHISPER_COMPUTE_TYPE", "").strip() or "int8"


# The cache. Every cached value is keyed by the state it was computed from (the analysis by
# the project's latest activity, the transcript page's rendered text by the text's checksum
# and its turns), so an entry is never stale, and each process may keep a cache of its own:
# the default needs no service, and several workers or servers stay correct.
# CASECODER_CACHE_URL shares one cache between all of them instead:
#   locmem://                  in each process's memory (the default)
#   db://casecoder_cache       a table in the database (`manage.py createcachetable` once)
#   redis://127.0.0.1:6379/0   Redis (needs the `redis` package: pip install redis)
# With a shared cache, set CASECODER_RELEASE (e.g. the commit id) on every deployment:
# entries written by an older release (older markup, older shapes) are then never read.
def cache_from_url(url: str) -> dict:
    scheme, _, rest = url.partition("://")
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": rest or "casecoder",
                "OPTIONS": {"MAX_ENTRIES": 2000}}
    if scheme == "db":
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": rest or "casecoder_cache"}
    if scheme in {"redis", "rediss", "unix"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    raise ImproperlyConfigured(
        f"CASECODER_CACHE_URL: unknown cache {url!r}; use locmem://, db://TABLE or redis://HOST:PORT/DB.")


# Long work (a .qdpx import) is a task: the web process queues it in the database and a
# worker runs it (`manage.py db_worker`, started beside the web server by `make run`; in
# production its own process, on any number of machines against the same PostgreSQL: see
# docs/deploy.md). CASECODER_TASKS_BACKEND=django_tasks.backends.immediate.ImmediateBackend
# runs each task at once in the process that queues it (the in-process tests do).
TASKS = {"default": {"BACKEND": os.environ.get("CASECODER_TASKS_BACKEND", "").strip()
                     or "django_tasks_db.DatabaseBackend"}}

CACHES = {"default": {**cache_from_url(os.environ.get("CASECODER_CACHE_URL", "").strip() or "locmem://"),
                      "KEY_PREFIX": f"casecoder{os.environ.get('CASECODER_RELEASE', '').strip()}",
                      "TIMEOUT": 6 * 3600}}

# Database sessions whose row names the user, read with it (apps/projects/sessions.py).
SESSION_ENGINE = "apps.projects.sessions"
AUTHENTICATION_BACKENDS = ["apps.projects.sessions.SessionUserBackend"]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Login throttling (apps.projects.throttle): failed sign-ins for one user name from one
# client address (or one browser that signed in before), and from one address whatever the
# names, within the window before a pause; each further pause of the same key lasts twice
# as long, up to the longest; a key quiet for FORGET starts again. CASECODER_CLIENT_IP_HEADER
# names the header a trusted proxy sets with the client's address (e.g. HTTP_X_REAL_IP);
# empty: REMOTE_ADDR, and no forwarding header is trusted (docs/deploy.md).
CASECODER_LOGIN_USER_FAILURES = int(os.environ.get("CASECODER_LOGIN_USER_FAILURES", 5))
CASECODER_LOGIN_ADDRESS_FAILURES = int(os.environ.get("CASECODER_LOGIN_ADDRESS_FAILURES", 50))
CASECODER_LOGIN_WINDOW_SECONDS = 15 * 60
CASECODER_LOGIN_LOCK_SECONDS = int(os.environ.get("CASECODER_LOGIN_LOCK_SECONDS", 15 * 60))
CASECODER_LOGIN_MAX_LOCK_SECONDS = int(os.environ.get("CASECODER_LOGIN_MAX_LOCK_SECONDS", 24 * 3600))
CASECODER_LOGIN_FORGET_SECONDS = 24 * 3600
CASECODER_LOGIN_DEVICE_COOKIE = "casecoder_device"
CASECODER_LOGIN_DEVICE_DAYS = 180
CASECODER_CLIENT_IP_HEADER = os.environ.get("CASECODER_CLIENT_IP_HEADER", "").strip()
CSRF_COOKIE_HTTPONLY = False  # the browser code reads it to send X-CSRFToken
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The engine that ranks suggestions for a code (apps/suggestions/engines.py): a dotted path to
# a class with name, version, threshold and rank(). The default runs on this server with no
# model download; a deployer may point this at their own embedding engine (see that module).
SUGGESTION_ENGINE = os.environ.get("SUGGESTION_ENGINE", "apps.suggestions.engines.TfidfEngine")
