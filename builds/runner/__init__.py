"""Running one queued build on this worker: the engine in a child process, watched, recorded, cleaned up.

`execute(pk)` claims a queued build (QUEUED → RUNNING, so only one worker
runs it), writes its template version's files to a temporary working
directory and runs the engine there as a child process
(`builds.engine.supervised`: relative paths in a template resolve in the
build's own directory, and a crash or a memory-hungry plugin stays in the
child). The child's lines, step events and results go to the build's
`LogSink`; its artifacts' files are moved to IMAGEHUB["ARTIFACTS_DIR"] with
their sizes and SHA-256 sums, and the images among them get their lineage
(builds.lineage); the final status and exit reason are recorded.

The child asks its image registry questions (the `imagehub-image` data
source, the builders' source image checks) of this worker, which answers
from the database (builds.registry_answers) and so records the channel
images the build took. When the build succeeds, the channels its
`hcp_packer_registry` blocks name, and those following the latest build,
move to it (builds.channels).

While it runs, a monitor thread writes the heartbeat every
IMAGEHUB["HEARTBEAT_SECONDS"] and looks for a cancel or continue request in
the database every IMAGEHUB["CONTROL_POLL_SECONDS"], so a request made on
any web server reaches the worker wherever it runs; a cancel reaches the
engine's cancel token, which stops the remote command and runs the cleanup.

The package by role: `claim` (claiming a queued build, and the builds
running in this process), `process` (the `BuildProcess` that runs and
watches the child and records the outcome), `messages` (decoding the
child's messages, and variables as `-var` text).
"""

from builds.runner.claim import cancel_running, execute, running_count
from builds.runner.messages import decode_messages, variable_text

__all__ = ["cancel_running", "decode_messages", "execute", "running_count", "variable_text"]
