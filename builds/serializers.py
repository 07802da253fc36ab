"""A build as JSON-ready data in the one shape shared by the build page's export and the JSON API.

Plain Python, so the dashboard serves the export without loading Django REST framework; the API's
serializers (builds/api/build_serializers.py) answer with these functions and only describe them for the
OpenAPI schema.

`build_summary(build)` is a build in the API's list (GET /api/v1/builds/)::

    {"id", "status", "template": slug, "version": number, "requested_by", "queued_at", "started_at",
     "finished_at", "duration_seconds", "current_step", "last_seq", "exit_reason", "on_error", "only",
     "except", "preset", "sources", "rebuild_of"}

`build_record(build)` is the build's full record: the JSON export on the build page, and exactly what
GET /api/v1/builds/<id>/ answers. It is the summary and::

    {"template_version": {"template_name", "number", "content_hash", "created", "author"},
     "worker_host", "recorded_from_cli", "ledger_ids", "cancel_requested_at",
     "variables": {name: value, sensitive ones "(sensitive)"},
     "steps": [step_record(step)], "artifacts": [artifact_record(artifact)]}

`step_record(step)` is {"source", "name", "phase", "started_at", "finished_at", "duration_seconds",
"outcome"}; `artifact_record(artifact)` is an artifact as GET /api/v1/artifacts/<id>/ answers it:
{"id", "build", "source", "builder_type", "builder_id", "artifact_id", "description", "region_ids",
"files": [{"name", "size", "sha256"}], "source_image_id", "metadata", "created_at", "images": [{"id" (its
lineage id), "image_id", "region", "status" (current, outdated or revoked, as GET /api/v1/images/<id>/ says),
"status_reason", "revoke_at" (a time to come: a scheduled revocation)}]} (a file's place in the artifact store is not shown; the build page links its download).

Times are ISO 8601 in UTC ("...Z"); durations are seconds, counted to now while a build runs; sensitive
values never appear.
"""

from datetime import UTC

from builds.image_status import ImageStatus, image_states
from builds.lineage_models import ImageNode
from builds.models import Artifact, Build, BuildStep

FILE_KEYS = ("name", "size", "sha256")


def _time(value) -> str | None:
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"


def _seconds(delta) -> float | None:
    return round(delta.total_seconds(), 3) if delta is not None else None


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


def build_summary(build: Build) -> dict:
    """Return `build` as the API's build list shows it (see the module's docstring)."""
    return {
        "id": build.pk,
        "status": build.status,
        "template": build.template.slug,
        "version": build.template_version.number,
        "requested_by": _username(build.requested_by),
        "queued_at": _time(build.queued_at),
        "started_at": _time(build.started_at),
        "finished_at": _time(build.finished_at),
        "duration_seconds": _seconds(build.duration),
        "current_step": build.current_step,
        "last_seq": build.last_seq,
        "exit_reason": build.exit_reason,
        "on_error": build.on_error,
        "only": list(build.only),
        "except": list(build.except_names),
        "preset": build.preset,
        "sources": list(build.sources),
        "rebuild_of": build.rebuild_of_id,
    }


def step_record(step: BuildStep) -> dict:
    """Return one step of a build's timeline (see the module's docstring)."""
    return {"source": step.source, "name": step.name, "phase": step.phase, "started_at": _time(step.started_at),
            "finished_at": _time(step.finished_at), "duration_seconds": _seconds(step.duration),
            "outcome": step.outcome}


def artifact_record(artifact: Artifact, states: dict | None = None) -> dict:
    """Return what a build produced (see the module's docstring); its `images` are read through the
    artifact's `images` manager, so prefetch them when recording many artifacts, and judged unless `states`
    (builds.image_status.image_states of them) is given."""
    pks = [image.pk for image in artifact.images.all()]
    states = image_states(pks) if states is None else {pk: states[pk] for pk in pks if pk in states}
    return {
        "id": artifact.pk,
        "build": artifact.build_id,
        "source": artifact.source,
        "builder_type": artifact.builder_type,
        "builder_id": artifact.builder_id,
        "artifact_id": artifact.artifact_id,
        "description": artifact.description,
        "region_ids": artifact.region_ids,
        "files": [{key: item[key] for key in FILE_KEYS if key in item} for item in artifact.files],
        "source_image_id": artifact.source_image_id,
        "metadata": artifact.metadata,
        "created_at": _time(artifact.created_at),
        "images": [_image(*pair) for pair in sorted(states.values(), key=lambda pair: (pair[0].region,
                                                                                        pair[0].pk))],
    }


def _image(image: ImageNode, status: ImageStatus) -> dict:
    return {"id": image.pk, "image_id": image.image_id, "region": image.region, "status": status.state,
            "status_reason": status.reason, "revoke_at": _time(image.revoke_at)}


def build_record(build: Build) -> dict:
    """Return the full record of `build`: the export and the API's answer for it (see the module's docstring)."""
    version = build.template_version
    artifacts = list(build.artifacts.prefetch_related("images").order_by("id"))
    states = image_states(image.pk for artifact in artifacts for image in artifact.images.all())
    return {
        **build_summary(build),
        "template_version": {
            "template_name": build.template.name,
            "number": version.number,
            "content_hash": version.content_hash,
            "created": _time(version.created),
            "author": _username(version.author),
        },
        "worker_host": build.worker_host,
        "recorded_from_cli": build.recorded_from_cli,
        "ledger_ids": list(build.ledger_ids),
        "cancel_requested_at": _time(build.cancel_requested_at),
        "variables": build.displayed_variables(),
        "steps": [step_record(step) for step in build.steps.all()],
        "artifacts": [artifact_record(artifact, states) for artifact in artifacts],
    }
