"""A running build's output: numbered lines, stored in batches, then broadcast to the build's group.

One `LogSink` per running build. Producers (the thread relaying the engine's
output, the runner itself) hand it lines, step events and status changes;
one flusher thread numbers the lines 1, 2, 3... in the order they arrive
(the build's `seq`), stores a batch when it holds
IMAGEHUB["LOG_BATCH_LINES"] lines or IMAGEHUB["LOG_BATCH_SECONDS"] after its
first line (with COPY on PostgreSQL, one executemany INSERT elsewhere: the
ORM's bulk_create spends ~100 µs preparing each row, which alone would cap
a build's log at a few thousand lines a second), records the steps and the
build's `last_seq` and `current_step` in the same transaction, and only
then broadcasts to channel group `build-<pk>`:

    {"type": "build.lines", "first", "last", "frame"}
    {"type": "build.status", "status", "current_step", "last_seq", "final", "paused"}

A lines message (`lines_event`) carries the numbers of its first and last
lines and `frame`, the websocket message every viewer gets, encoded once
here rather than once per viewer: the JSON text of
`{"type": "build.lines", "lines": [{"seq", "time", "source", "step", "stream", "text"}, ...]}`,
`time` in UNIX seconds. The status message follows the lines stored with
it; `final` is True on the last message, sent by `close`, whose `last_seq`
is the build's last line. Memory stays bounded whatever the build prints:
at most a few batches wait, and a producer that outruns the database waits
for it.
"""

import json
import logging
import queue
import threading
import time
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from builds import broadcast
from builds.engine.ui import Masker
from builds.models import Build, BuildLogLine, BuildStep

logger = logging.getLogger(__name__)

STREAMS = frozenset(BuildLogLine.Stream.values)
WAITING_BATCHES = 4  # batches a producer may be ahead of the database before it waits

_LINES, _STEP, _FIELDS, _CLOSE = "lines", "step", "fields", "close"
# The PostgreSQL types of a stored row's columns (see store_rows), as a binary COPY sends them.
COPY_TYPES = ("int8", "int8", "timestamptz", "varchar", "varchar", "varchar", "text")


def clean_text(text: str) -> str:
    """Return `text` as every database stores it: no NUL characters, no lone surrogates."""
    if "\x00" in text:
        text = text.replace("\x00", "\N{REPLACEMENT CHARACTER}")
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def status_message(build_status: str, current_step: str, last_seq: int, *, final: bool,
                   paused: bool = False) -> dict:
    """The status message the build's group receives."""
    return {"type": "build.status", "status": build_status, "current_step": current_step,
            "last_seq": last_seq, "final": final, "paused": paused}


def lines_event(lines: list[dict]) -> dict:
    """The group message of `lines` (websocket line messages, consecutive, in seq order)."""
    return {"type": "build.lines", "first": lines[0]["seq"], "last": lines[-1]["seq"],
            "frame": json.dumps({"type": "build.lines", "lines": lines}, ensure_ascii=False)}


def event_lines(event: dict) -> list[dict]:
    """The lines of a group message made by `lines_event`."""
    return json.loads(event["frame"])["lines"]


def _columns() -> tuple[str, str]:
    quote = connection.ops.quote_name
    meta = BuildLogLine._meta
    names = ("build", "seq", "time", "source", "step", "stream", "text")
    return quote(meta.db_table), ", ".join(quote(meta.get_field(name).column) for name in names)


def store_rows(rows: list[tuple]) -> None:
    """Insert log lines, each (build pk, seq, time, source, step, stream, text), in the current transaction.

    PostgreSQL gets them with a binary COPY, about ten times cheaper for
    this process than an executemany INSERT (and cheaper for the server
    than COPY's text); `time` is then a datetime, and for SQLite its text as
    Django stores it.
    """
    table, columns = _columns()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(COPY_TYPES)
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)


class LogSink:
    """Stores and broadcasts one build's output (see the module's docstring); thread-safe.

    Also an engine `Sink`: `emit` takes the engine's `Line`s as they are.
    """

    def __init__(self, build: Build, *, masker: Masker | None = None, batch_lines: int | None = None,
                 batch_seconds: float | None = None):
        knobs = settings.IMAGEHUB
        self.build_pk = build.pk
        self.group = broadcast.group_name(build.pk)
        self.masker = masker or Masker()
        self.batch_lines = batch_lines or knobs["LOG_BATCH_LINES"]
        self.batch_seconds = batch_seconds or knobs["LOG_BATCH_SECONDS"]
        self.status = build.status
        self.current_step = build.current_step
        self.paused = build.paused_at is not None
        self.last_seq = build.last_seq
        self.final_status: str | None = None
        # Items hold up to batch_lines lines each, so at most this many batches wait.
        self._queue: queue.Queue = queue.Queue(maxsize=WAITING_BATCHES)
        self._open_steps: dict[tuple[str, str, str], int] = {}
        self._thread = threading.Thread(target=self._run, name=f"log of build {build.pk}", daemon=True)
        self._failure: BaseException | None = None

    def start(self) -> "LogSink":
        self._thread.start()
        return self

    # Producers.

    def line(self, source: str, step: str, stream: str, text: str, at: float | None = None) -> None:
        """Add a line of output (masked here too); `stream` outside BuildLogLine.Stream is stored as "say"."""
        self._queue.put((_LINES, [self._row(at if at is not None else time.time(), source, step, stream, text)]))

    def lines(self, lines: list[tuple[float, str, str, str, str]]) -> None:
        """Add several lines at once, each (time, source, step, stream, text); at most LOG_BATCH_LINES."""
        if lines:
            self._queue.put((_LINES, [self._row(*line) for line in lines]))

    def _row(self, at: float, source: str, step: str, stream: str, text: str) -> tuple:
        if self.masker.active:
            text = self.masker.mask(text)
        return (at, source, step, stream if stream in STREAMS else BuildLogLine.Stream.SAY, clean_text(text))

    def emit(self, line) -> None:
        """Take an engine `Line` (machine-readable events are not log lines)."""
        if line.stream != "machine":
            self.line(line.build, line.step, line.stream, line.text, line.time)

    def step(self, source: str, name: str, phase: str, at: float, outcome: str = "") -> None:
        """Record that a step started (no `outcome`) or ended; a start also becomes the current step."""
        self._queue.put((_STEP, (source, name, phase, at, outcome)))

    def update(self, **fields) -> None:
        """Set fields of the build after the lines so far are stored, and broadcast the status."""
        self._queue.put((_FIELDS, fields))

    def close(self, **fields) -> int:
        """Store what is left, set the build's final `fields` (status, finished_at...), broadcast the final
        status; return the last seq. A final status is only written over a running build."""
        self._queue.put((_CLOSE, fields))
        self._thread.join()
        if self._failure is not None:
            raise self._failure
        return self.last_seq

    # The flusher thread.

    def _run(self) -> None:
        try:
            while True:
                batch = self._next_batch()
                self._write(batch)
                if batch[-1][0] == _CLOSE:
                    return
        except BaseException as error:  # the runner re-raises it from close()
            self._failure = error
            logger.exception("The log of build %s could not be stored", self.build_pk)
            self._drain()
        finally:
            connection.close()

    def _drain(self) -> None:
        """Unblock producers after a failure: take everything until the close."""
        while True:
            kind, _ = self._queue.get()
            if kind == _CLOSE:
                return

    def _next_batch(self) -> list:
        batch = [self._queue.get()]
        lines = len(batch[0][1]) if batch[0][0] == _LINES else 0
        deadline = time.monotonic() + self.batch_seconds
        while batch[-1][0] != _CLOSE and lines < self.batch_lines:
            remaining = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            batch.append(item)
            if item[0] == _LINES:
                lines += len(item[1])
        return batch

    def _write(self, batch: list) -> None:
        sqlite = connection.vendor == "sqlite"
        rows: list[tuple] = []
        messages: list[dict] = []
        steps: list[tuple] = []
        fields: dict = {}
        final = False
        for kind, payload in batch:
            if kind == _LINES:
                for at, source, step, stream, text in payload:
                    self.last_seq += 1
                    moment = datetime.fromtimestamp(at, UTC)
                    rows.append((self.build_pk, self.last_seq, str(moment.replace(tzinfo=None)) if sqlite else moment,
                                 source, step, stream, text))
                    messages.append({"seq": self.last_seq, "time": at, "source": source, "step": step,
                                     "stream": stream, "text": text})
            elif kind == _STEP:
                steps.append(payload)
                source, name, _phase, _at, outcome = payload
                if not outcome:
                    self.current_step = f"{source}: {name}" if source else name
            elif kind == _FIELDS:
                fields.update(payload)
            else:
                fields.update(payload)
                final = True
        if final:
            self.current_step = ""
        if "paused_at" in fields:
            self.paused = fields["paused_at"] is not None
        with transaction.atomic():
            if rows:
                store_rows(rows)
            for payload in steps:
                self._record_step(*payload)
            if final:
                self._finish_open_steps()
            self._save(fields, final)
        # The layer takes these while the next batch is stored; the final status waits for all of them.
        if messages:
            broadcast.send(self.group, lines_event(messages), wait=False)
        if steps or fields or final:
            broadcast.send(self.group, status_message(self.status, self.current_step, self.last_seq,
                                                      final=final, paused=self.paused), wait=final)

    def _record_step(self, source: str, name: str, phase: str, at: float, outcome: str) -> None:
        key = (source, name, phase)
        when = datetime.fromtimestamp(at, UTC)
        if not outcome:
            self._open_steps[key] = BuildStep.objects.create(
                build_id=self.build_pk, source=source, name=name, phase=phase, started_at=when).pk
            return
        pk = self._open_steps.pop(key, None)
        if pk is not None:
            BuildStep.objects.filter(pk=pk).update(finished_at=when, outcome=outcome)

    def _finish_open_steps(self) -> None:
        if self._open_steps:
            BuildStep.objects.filter(pk__in=self._open_steps.values()).update(
                finished_at=timezone.now(), outcome=BuildStep.Outcome.INTERRUPTED)
            self._open_steps.clear()

    def _save(self, fields: dict, final: bool) -> None:
        builds = Build.objects.filter(pk=self.build_pk)
        progress = {"last_seq": self.last_seq, "current_step": self.current_step[:300]}
        if final and "status" in fields:
            if builds.filter(status=Build.Status.RUNNING).update(**progress, **fields):
                self.status = fields["status"]
                self.final_status = self.status
                return
            # The build is over already (marked lost while this worker was stalled): keep its status.
            fields = {k: v for k, v in fields.items() if k not in ("status", "finished_at", "exit_reason")}
            self.status = builds.values_list("status", flat=True).get()
        builds.update(**progress, **fields)
