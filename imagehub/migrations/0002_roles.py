"""The four roles as groups with their permissions: viewer, builder, editor and admin."""

from django.db import migrations

CATALOG_MODELS = ("packertemplate", "templateversion", "templatefile", "label")

VIEWER = [f"view_{model}" for model in CATALOG_MODELS]
EDITOR = [
    *VIEWER,
    "add_packertemplate",
    "change_packertemplate",
    "add_templateversion",
    "add_templatefile",
    "add_label",
    "change_label",
]
# Builds bring their own permissions with the builds app; until then a builder reads the catalog.
BUILDER = list(VIEWER)


def create_permissions(apps) -> None:
    """Create the permissions of every installed model now, as migrate would only do at its end."""
    from django.contrib.auth.management import create_permissions as create

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def create_roles(apps, schema_editor) -> None:
    create_permissions(apps)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    catalog = permission_model.objects.filter(content_type__app_label="imagehub")
    for name, codenames in (("viewer", VIEWER), ("builder", BUILDER), ("editor", EDITOR)):
        group, _ = group_model.objects.get_or_create(name=name)
        group.permissions.add(*catalog.filter(codename__in=codenames))
    admin, _ = group_model.objects.get_or_create(name="admin")
    admin.permissions.add(*permission_model.objects.all())


def remove_roles(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(
        name__in=["viewer", "builder", "editor", "admin"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("imagehub", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
