"""The imagehub Django app: the dashboard's pages, accounts and templates."""

from django.apps import AppConfig


class ImageHubConfig(AppConfig):
    name = "imagehub"
    verbose_name = "ImageHub"
