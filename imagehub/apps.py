"""The imagehub Django app: the dashboard's pages, accounts and templates."""

from django.apps import AppConfig


class ImageHubConfig(AppConfig):
    name = "imagehub"
    verbose_name = "ImageHub"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created
        from django.db.models.signals import m2m_changed

        from builds.signals import build_finished, build_started
        from imagehub.initial_password import on_signed_in
        from imagehub.postgres_timestamps import use_compiled_loader
        from imagehub.roles import sync_staff_status
        from imagehub.webhooks import events

        m2m_changed.connect(
            sync_staff_status,
            sender=get_user_model().groups.through,
            dispatch_uid="imagehub.roles.sync_staff_status",
        )
        connection_created.connect(use_compiled_loader, dispatch_uid="imagehub.postgres_timestamps")
        user_logged_in.connect(on_signed_in, dispatch_uid="imagehub.initial_password.on_signed_in")
        build_started.connect(events.on_build_started, dispatch_uid="imagehub.webhooks.build_started")
        build_finished.connect(events.on_build_finished, dispatch_uid="imagehub.webhooks.build_finished")
