"""Django settings for ImageHub, read from environment variables with safe defaults.

The environment variables are listed in README.md ("Configuration"); the
readers that parse them live in imagehub.config.
"""

import os

from imagehub import config

DATA_DIR = config.data_dir(os.environ)

SECRET_KEY = config.secret_key(os.environ, DATA_DIR)
DEBUG = config.env_bool(os.environ, "DEBUG", default=False)
ALLOWED_HOSTS = config.env_list(
    os.environ, "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = config.env_list(os.environ, "CSRF_TRUSTED_ORIGINS", default=[])

# ImageHub's own knobs.
IMAGEHUB = {
    "DATA_DIR": DATA_DIR,
    **config.build_settings(os.environ, DATA_DIR),
    "REQUEST_THREADS": config.request_threads(os.environ),
    # Web processes mark lost the builds whose worker died, as workers do (builds.reaper.watch).
    "WEB_REAPS_LOST_BUILDS": True,
    **config.webhook_settings(os.environ),
}

# Django refuses a form body larger than DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB unless set) before any view
# runs. The editor's forms carry a whole file set, URL-encoded up to three times its size, so the bound
# follows the catalog's own total limit: every file set the catalog accepts, in any encoding, and any a
# little over it, reaches the catalog, which names its limit and gives the text back. A body larger still
# is answered by imagehub.request_limits, which names the same limit (never a bare 400). File uploads are
# not counted here: the import form checks them against CATALOG_MAX_UPLOAD_BYTES, and files over
# FILE_UPLOAD_MAX_MEMORY_SIZE wait in temporary files rather than memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = config.form_body_limit(
    IMAGEHUB.get("CATALOG_MAX_TOTAL_BYTES", config.CATALOG_MAX_TOTAL_BYTES)
)

INSTALLED_APPS = [
    # daphne first: its runserver replaces Django's with an ASGI server.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "template_partials",
    "imagehub",
    # builds before django_tasks_db: its db_worker command runs several builds at once.
    "builds",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # /api/... resolves against the JSON API's own URLconf, loaded on the first API request only.
    "builds.api.middleware.ApiUrlconfMiddleware",
    # A NUL in a query parameter would reach the database's text columns, which refuse it.
    "imagehub.nul_parameters.NulParameterMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which parses the whole form: an upload over the limit is refused unparsed.
    "imagehub.request_limits.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A session signed in with the password printed at the first start may only change it.
    "imagehub.initial_password.InitialPasswordMiddleware",
]

ROOT_URLCONF = "imagehub.urls"
ASGI_APPLICATION = "imagehub.asgi.application"

# The repository's top-level templates/ and static/ are the imagehub app's own
# directories (imagehub/templates and imagehub/static link to them, and the
# package ships them), so the app-directory loaders and finders find them.
# template_partials wraps these loaders in its own at start-up.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASES = {"default": config.database(os.environ, DATA_DIR, IMAGEHUB["WORKER_CONCURRENCY"])}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CHANNEL_LAYERS = config.channel_layers(os.environ)
SESSION_ENGINE = config.session_engine(os.environ)
CACHES = config.caches(os.environ)
SESSION_CACHE_ALIAS = config.SESSION_CACHE_ALIAS

# Builds are tasks of the Django Tasks API, kept in the database: `imagehub serve`
# runs them in worker threads, `manage.py db_worker` in processes of their own.
# Webhook deliveries have a queue of their own, which every worker serves beside its builds.
TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "webhooks"]},
}

# The JSON API under /api/v1/ (builds.api): JSON only, a personal token or the session, a permission per
# method of each view, pages of 50. Only the API's views use Django REST framework.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "builds.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["builds.api.permissions.RolePermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "builds.api.pagination.Pages",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "builds.api.errors.handle",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ImageHub API",
    "DESCRIPTION": "Templates, versions, builds, log lines, artifacts, image lineage and channels. "
                   "Authenticate with a personal API token (`Authorization: Bearer ihp_...`) or a "
                   "signed-in session; what a token may do is its owner's roles narrowed to its scope.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    # <id:pk> in the API's URLs: 1 to 18 digits (builds.api.params.IdConverter).
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}},
    # The enum components, then: free-text parameters hold no NUL (imagehub.nul_parameters refuses one).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "builds.api.schema.parameters_without_nul"],
    "ENUM_NAME_OVERRIDES": {
        "BuildStatusEnum": "builds.models.Build.Status",
        "ImageStatusEnum": "builds.api.image_serializers.IMAGE_STATES",
        "OnErrorEnum": "builds.models.ON_ERROR_CHOICES",
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not the printed first password again; and a changed password lifts its one-time mark.
    {"NAME": "imagehub.initial_password.InitialPasswordValidator"},
]
# Django's model backend, with a user's permissions read in one query (every page checks one).
AUTHENTICATION_BACKENDS = ["imagehub.auth_backend.ModelBackendOneQuery"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# The dashboard speaks English only. With translation on, every date, number and URL a page shows asks
# which language is active (a context-local lookup that fails and raises when none was activated), about
# an eighth of a list page's CPU; turn it on when the first translation is added.
USE_I18N = False
USE_TZ = True

# WhiteNoise serves static files straight from the app directories, so no
# collectstatic step is needed, with DEBUG on or off. For a front proxy that
# serves them itself, set STATIC_ROOT and run `imagehub manage collectstatic`.
STATIC_URL = "static/"
# Django's storage, remembering each file's URL (imagehub.static_files).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "imagehub.static_files.StaticFilesStorage"},
}
STATIC_ROOT = os.environ.get("STATIC_ROOT", "").strip() or None
WHITENOISE_USE_FINDERS = True

LOG_LEVEL = os.environ.get("IMAGEHUB_LOG_LEVEL", "INFO").strip().upper() or "INFO"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {
        "imagehub": {"level": LOG_LEVEL},
        "builds": {"level": LOG_LEVEL},
    },
}
