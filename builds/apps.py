"""The builds Django app: build records, their logs and artifacts."""

from django.apps import AppConfig


class BuildsConfig(AppConfig):
    name = "builds"
    label = "builds"
    verbose_name = "Builds"
