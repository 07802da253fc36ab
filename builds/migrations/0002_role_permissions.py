"""The roles' permissions on builds: viewers and editors see them, builders also start, cancel and continue them."""

from django.db import migrations

BUILD_MODELS = ("build", "buildstep", "buildlogline", "artifact")
VIEW = [f"view_{model}" for model in BUILD_MODELS]
BUILD = [*VIEW, "add_build", "change_build"]
ROLES = {"viewer": VIEW, "editor": VIEW, "builder": BUILD}


def grant(apps, schema_editor) -> None:
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("builds")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permissions = apps.get_model("auth", "Permission").objects.filter(content_type__app_label="builds")
    for name, codenames in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=name)
        group.permissions.add(*permissions.filter(codename__in=codenames))
    admin, _ = group_model.objects.get_or_create(name="admin")
    admin.permissions.add(*permissions)


def revoke(apps, schema_editor) -> None:
    permissions = apps.get_model("auth", "Permission").objects.filter(content_type__app_label="builds")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=[*ROLES, "admin"]):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("builds", "0001_build_records"),
        ("imagehub", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
