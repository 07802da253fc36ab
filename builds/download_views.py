"""A build's downloads: the raw log streamed from the database, the JSON record, and the artifacts' files."""

import json
from datetime import UTC
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from builds.models import Artifact, Build, BuildLogLine
from builds.serializers import build_record
from builds.views import get_build, view_permission

LOG_CHUNK = 5000  # lines read from the database at a time
PROMINENT_STREAMS = frozenset({"say", "error", "stderr"})


def log_text(time, source: str, stream: str, text: str) -> str:
    """Return one stored line as the raw log shows it: Packer's `-timestamp-ui` output, without colour."""
    stamp = time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if not source:
        return f"{stamp}: {text}\n"
    arrow = "==>" if stream in PROMINENT_STREAMS else "   "
    return f"{stamp}: {arrow} {source}: {text}\n"


def _log_chunk(build_pk: int, after: int) -> tuple[int, str]:
    """The text of up to LOG_CHUNK lines after seq `after`, and the last seq among them (`after` when none)."""
    rows = list(BuildLogLine.objects.filter(build_id=build_pk, seq__gt=after).order_by("seq")
                .values_list("seq", "time", "source", "stream", "text")[:LOG_CHUNK])
    if not rows:
        return after, ""
    return rows[-1][0], "".join(log_text(time, source, stream, text) for _, time, source, stream, text in rows)


def _log_chunks(build_pk: int):
    """The raw log, a chunk at a time, so memory stays bounded whatever the log's length."""
    after = 0
    while True:
        last, text = _log_chunk(build_pk, after)
        if last == after:
            return
        yield text.encode("utf-8")
        after = last


@require_GET
@view_permission
def build_log(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Return the build's whole log as plain text, streamed from the database."""
    build = get_object_or_404(Build.objects.only("pk"), pk=pk)
    # Under ASGI the handler reads the chunks one at a time on the request's thread (imagehub.http_handler).
    response = StreamingHttpResponse(_log_chunks(build.pk), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="build-{build.pk}.log"'
    return response


@require_GET
@view_permission
def build_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Return the build's full record as a JSON download: exactly what GET /api/v1/builds/<pk>/ answers."""
    build = get_build(pk)
    body = json.dumps(build_record(build), indent=2, ensure_ascii=False) + "\n"
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="build-{build.pk}.json"'
    return response


@require_GET
@view_permission
def artifact_file(request: HttpRequest, pk: int, artifact_pk: int, index: int) -> FileResponse:
    """Return file `index` of an artifact of build `pk` from the artifact store."""
    artifact = get_object_or_404(Artifact, pk=artifact_pk, build_id=pk)
    if not 0 <= index < len(artifact.files) or not artifact.files[index].get("path"):
        raise Http404("This artifact has no such file in the artifact store.")
    entry = artifact.files[index]
    store = Path(settings.IMAGEHUB["ARTIFACTS_DIR"]).resolve()
    path = (store / entry["path"]).resolve()
    if not path.is_relative_to(store) or not path.is_file():
        raise Http404(f"The file {entry.get('name', '')} is no longer in the artifact store.")
    return FileResponse(path.open("rb"), as_attachment=True, filename=entry.get("name") or path.name)
