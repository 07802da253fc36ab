"""A build's full record as JSON-ready data: the export on the build page, and the shape of the JSON API.

`build_record(build)` returns::

    {"build": {"id", "status", "queued_at", "started_at", "finished_at", "duration_seconds",
               "requested_by", "worker_host", "exit_reason", "current_step", "last_seq",
               "on_error", "only", "except", "preset", "sources", "rebuild_of", "recorded_from_cli",
               "ledger_ids"},
     "version": {"template", "template_slug", "number", "content_hash", "created", "author"},
     "variables": {name: value, sensitive ones "(sensitive)"},
     "steps": [{"source", "name", "phase", "started_at", "finished_at", "duration_seconds", "outcome"}],
     "artifacts": [{"source", "builder_type", "builder_id", "id", "description", "region_ids",
                    "files": [{"name", "size", "sha256", "path"}], "source_image_id", "metadata"}],
     "status": the build's status}

Times are ISO 8601 in UTC; sensitive values never appear.
"""

from builds.models import Build


def _time(value) -> str | None:
    return value.isoformat() if value is not None else None


def _seconds(delta) -> float | None:
    return round(delta.total_seconds(), 3) if delta is not None else None


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


def build_record(build: Build) -> dict:
    """Return the full record of `build` (see the module's docstring)."""
    version = build.template_version
    return {
        "build": {
            "id": build.pk,
            "status": build.status,
            "queued_at": _time(build.queued_at),
            "started_at": _time(build.started_at),
            "finished_at": _time(build.finished_at),
            "duration_seconds": _seconds(build.duration) if build.finished_at else None,
            "requested_by": _username(build.requested_by),
            "worker_host": build.worker_host,
            "exit_reason": build.exit_reason,
            "current_step": build.current_step,
            "last_seq": build.last_seq,
            "on_error": build.on_error,
            "only": list(build.only),
            "except": list(build.except_names),
            "preset": build.preset,
            "sources": list(build.sources),
            "rebuild_of": build.rebuild_of_id,
            "recorded_from_cli": build.recorded_from_cli,
            "ledger_ids": list(build.ledger_ids),
        },
        "version": {
            "template": version.template.name,
            "template_slug": version.template.slug,
            "number": version.number,
            "content_hash": version.content_hash,
            "created": _time(version.created),
            "author": _username(version.author),
        },
        "variables": build.displayed_variables(),
        "steps": [
            {"source": step.source, "name": step.name, "phase": step.phase, "started_at": _time(step.started_at),
             "finished_at": _time(step.finished_at), "duration_seconds": _seconds(step.duration),
             "outcome": step.outcome}
            for step in build.steps.all()
        ],
        "artifacts": [
            {"source": artifact.source, "builder_type": artifact.builder_type, "builder_id": artifact.builder_id,
             "id": artifact.artifact_id, "description": artifact.description, "region_ids": artifact.region_ids,
             "files": [{key: item.get(key) for key in ("name", "size", "sha256", "path")}
                       for item in artifact.files],
             "source_image_id": artifact.source_image_id, "metadata": artifact.metadata}
            for artifact in build.artifacts.all()
        ],
        "status": build.status,
    }
