"""The imagehub Django app: the dashboard's pages, accounts and templates."""

from django.apps import AppConfig


class ImageHubConfig(AppConfig):
    name = "imagehub"
    verbose_name = "ImageHub"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed

        from imagehub.roles import sync_staff_status

        m2m_changed.connect(
            sync_staff_status,
            sender=get_user_model().groups.through,
            dispatch_uid="imagehub.roles.sync_staff_status",
        )
