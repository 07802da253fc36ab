"""A build's Artifact records from the engine's results: image ids by region, the source image, and the
artifact's files moved into the artifact store with their sizes and SHA-256 sums."""

import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

from builds.models import Artifact, Build

HASH_CHUNK = 1 << 20


def artifact_record(build: Build, result: dict, data: dict, workdir: Path, store: Path, *,
                    move: bool = True) -> Artifact:
    """The Artifact of `data` (as builds.engine.supervised reports it) made by `result`'s build; its files are
    moved (copied when not `move`, or from outside `workdir`) into `store` with their sizes and sums."""
    state = data.get("state") or {}
    region_ids = state.get("amis") if isinstance(state.get("amis"), dict) else _region_ids(data.get("id", ""))
    source_ami = state.get("source_ami")
    docker_source = state.get("source_image")
    if isinstance(source_ami, dict):
        source_image = str(source_ami.get("id", ""))
    else:
        source_image = str(docker_source.get("id", "")) if isinstance(docker_source, dict) else ""
    files = [_keep_file(build, path, workdir, store, move) for path in data.get("files", [])]
    return Artifact(build=build, source=result["name"], builder_type=result.get("type", ""),
                    builder_id=data.get("builder_id", "")[:200], artifact_id=data.get("id", ""),
                    description=data.get("description", ""), region_ids=region_ids or {}, files=files,
                    source_image_id=source_image[:200], metadata=state)


def _region_ids(artifact_id: str) -> dict[str, str]:
    """{"us-east-1": "ami-1"} from Packer's "us-east-1:ami-1,eu-west-1:ami-2"; {} for other ids."""
    pairs = [part.split(":", 1) for part in artifact_id.split(",") if part.count(":") == 1]
    if not pairs or len(pairs) != len(artifact_id.split(",")):
        return {}
    return {region: image for region, image in pairs if region and image}


def _keep_file(build: Build, path: str, workdir: Path, store: Path, move: bool) -> dict[str, Any]:
    """Move (from the working directory) or copy a file into the artifact store; describe it."""
    source = Path(path) if os.path.isabs(path) else workdir / path
    name = Path(path).name
    if not source.is_file():
        return {"name": name, "size": None, "sha256": "", "path": "", "original": path}
    directory = store / str(build.pk)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    counter = 1
    while target.exists():
        counter += 1
        target = directory / f"{counter}-{name}"
    if move and source.resolve().is_relative_to(workdir.resolve()):
        shutil.move(source, target)
    else:
        shutil.copy2(source, target)
    digest = hashlib.sha256()
    with target.open("rb") as stream:
        while chunk := stream.read(HASH_CHUNK):
            digest.update(chunk)
    return {"name": name, "size": target.stat().st_size, "sha256": digest.hexdigest(),
            "path": str(target.relative_to(store)), "original": path}

