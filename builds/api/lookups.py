"""The objects a URL names, or a 404 whose `detail` says which one ImageHub does not have."""

from rest_framework.exceptions import NotFound

from builds.channel_models import Channel
from builds.models import Artifact, Build
from imagehub.models import PackerTemplate, TemplateVersion


def template(slug: str) -> PackerTemplate:
    found = PackerTemplate.objects.filter(slug=slug).first()
    if found is None:
        raise NotFound(f'ImageHub has no template with the slug "{slug}".')
    return found


def version(slug: str, number: int) -> TemplateVersion:
    found = TemplateVersion.objects.filter(template__slug=slug, number=number).select_related(
        "template", "author").first()
    if found is None:
        template(slug)
        raise NotFound(f'Template "{slug}" has no version {number}.')
    return found


def no_build(pk: int) -> NotFound:
    return NotFound(f"ImageHub has no build #{pk}.")


def build(pk: int) -> Build:
    found = Build.objects.filter(pk=pk).select_related("template", "template_version__author",
                                                        "requested_by").first()
    if found is None:
        raise no_build(pk)
    return found


def artifact(pk: int) -> Artifact:
    found = Artifact.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(f"ImageHub has no artifact {pk}.")
    return found


def no_image(pk: int) -> NotFound:
    return NotFound(f"ImageHub has no image {pk} in its lineage.")


def channel(slug: str, name: str) -> Channel:
    found = Channel.objects.filter(template__slug=slug, name=name).select_related("template", "updated_by").first()
    if found is None:
        known = template(slug)
        names = ", ".join(f'"{n}"' for n in known.channels.values_list("name", flat=True)) or "none yet"
        raise NotFound(f'Template "{slug}" has no channel "{name}" (its channels: {names}).')
    return found
