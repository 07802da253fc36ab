"""The builds Django app: build records, their logs and artifacts."""

from django.apps import AppConfig


class BuildsConfig(AppConfig):
    name = "builds"
    label = "builds"
    verbose_name = "Builds"

    def ready(self) -> None:
        from builds import cascades, signals

        # Cascades move on when one of their builds ends, wherever it ended (worker, cancel, reaper).
        signals.build_finished.connect(cascades.on_build_finished, dispatch_uid="builds.cascades")
        # Their steps show their builds running as soon as a worker claims them.
        signals.build_started.connect(cascades.on_build_started, dispatch_uid="builds.cascades.started")
