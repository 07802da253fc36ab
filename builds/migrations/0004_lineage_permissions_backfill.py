"""Who may move channels and revoke images (builders), who sees them (every role); lineage of existing builds.

The backfill gives the images of builds recorded before lineage existed their
nodes and parent links, with the historical models: the same rules as
`builds.lineage.record_build`, which cannot be imported by a migration.
"""

from django.db import IntegrityError, migrations, transaction

NEW_MODELS = ("imagenode", "channel", "channelevent", "imageuse")
VIEW = [f"view_{model}" for model in NEW_MODELS]
BUILDER = [*VIEW, "change_channel", "revoke_imagenode"]
ROLES = {"viewer": VIEW, "editor": VIEW, "builder": BUILDER}


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
    permissions = apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="builds", codename__in=BUILDER)
    for group in apps.get_model("auth", "Group").objects.filter(name__in=[*ROLES, "admin"]):
        group.permissions.remove(*permissions)


def _images(artifact) -> list[tuple[str, str]]:
    if artifact.region_ids:
        return sorted((str(region), str(image)) for region, image in artifact.region_ids.items() if image)
    if artifact.builder_type == "docker" and artifact.artifact_id.startswith("sha256:"):
        return [("", artifact.artifact_id)]
    return []


def _source(artifact) -> dict | None:
    state = artifact.metadata if isinstance(artifact.metadata, dict) else {}
    generated = state.get("generated_data") if isinstance(state.get("generated_data"), dict) else {}
    amazon = state.get("source_ami") if isinstance(state.get("source_ami"), dict) else None
    if amazon and amazon.get("id"):
        regions = sorted(artifact.region_ids)
        region = str(generated.get("BuildRegion") or (regions[0] if len(regions) == 1 else ""))
        return {"image_id": str(amazon["id"]), "region": region, "name": str(amazon.get("name", "")),
                "owner": str(amazon.get("owner", "")), "owner_name": str(amazon.get("owner_name", "")),
                "image_created": str(amazon.get("creation_date", "")),
                "tags": amazon.get("tags") if isinstance(amazon.get("tags"), dict) else {}}
    image_id = artifact.source_image_id or str(generated.get("SourceImageSha256") or "")
    return {"image_id": image_id, "region": ""} if image_id else None


def backfill(apps, schema_editor) -> None:
    artifact_model = apps.get_model("builds", "Artifact")
    node_model = apps.get_model("builds", "ImageNode")
    for artifact in artifact_model.objects.select_related("build").order_by("build_id", "id").iterator():
        images = _images(artifact)
        if not images:
            continue
        source = _source(artifact)
        parent = None
        if source is not None:
            parent = (node_model.objects.filter(kind="artifact", image_id=source["image_id"],
                                                region=source["region"]).order_by("-id").first())
            if parent is None:
                lookup = {"kind": "external", "image_id": source.pop("image_id"), "region": source.pop("region")}
                try:
                    with transaction.atomic():
                        parent, _ = node_model.objects.get_or_create(**lookup, defaults=source)
                except IntegrityError:
                    parent = node_model.objects.get(**lookup)
        for region, image_id in images:
            if node_model.objects.filter(build_id=artifact.build_id, region=region, image_id=image_id).exists():
                continue
            node_model.objects.create(
                kind="artifact", image_id=image_id, region=region, builder_type=artifact.builder_type,
                artifact=artifact, build_id=artifact.build_id, template_id=artifact.build.template_id,
                source=artifact.source, parent=parent, parent_via="source image id" if parent else "",
                created_at=artifact.created_at)


class Migration(migrations.Migration):
    dependencies = [
        ("builds", "0003_lineage_channels_tokens"),
    ]

    operations = [
        migrations.RunPython(grant, revoke),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
