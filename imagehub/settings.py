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
}

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
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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

DATABASES = {"default": config.database(os.environ, DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CHANNEL_LAYERS = config.channel_layers(os.environ)
SESSION_ENGINE = config.session_engine(os.environ)

# Builds are tasks of the Django Tasks API, kept in the database: `imagehub serve`
# runs them in worker threads, `manage.py db_worker` in processes of their own.
TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Django's model backend, with a user's permissions read in one query (every page checks one).
AUTHENTICATION_BACKENDS = ["imagehub.auth_backend.ModelBackendOneQuery"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# WhiteNoise serves static files straight from the app directories, so no
# collectstatic step is needed, with DEBUG on or off. For a front proxy that
# serves them itself, set STATIC_ROOT and run `imagehub manage collectstatic`.
STATIC_URL = "static/"
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
