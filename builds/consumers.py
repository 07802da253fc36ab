"""The websocket consumer of a build's live log: replay from the database, then forward the live batches.

Send-only: it authorises on connect, joins the group `build-<pk>`, sends the
stored lines after the client's last seen number (`?after=N`) in batches,
then forwards what the log sink broadcasts, in seq order and without
duplicates or gaps (a gap in the live stream is filled from the database).
A live batch that follows the last line sent goes out as the sink encoded
it, so a thousand viewers cost one encoding.
When the build is over it sends a final status carrying the last number and
closes. Frames from the client are ignored.
"""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from builds.broadcast import group_name
from builds.logsink import event_lines, status_message
from builds.models import Build, BuildLogLine
from imagehub import initial_password
from imagehub.roles import VIEW_BUILDS

REPLAY_BATCH = 1000  # lines a replayed message holds at most
# Close codes in the application range: the page shows a message instead of reconnecting forever.
CLOSE_NOT_ALLOWED = 4403
CLOSE_NOT_FOUND = 4404


def last_seen(query_string: bytes) -> int:
    """Return the client's last seen seq from `after=N` in the query string (0 when absent or not a number)."""
    values = parse_qs(query_string.decode("latin-1")).get("after", [])
    try:
        return max(0, int(values[0])) if values else 0
    except ValueError:
        return 0


class BuildLogConsumer(AsyncJsonWebsocketConsumer):
    """One browser watching one build's log."""

    async def connect(self) -> None:
        self.build_pk = int(self.scope["url_route"]["kwargs"]["pk"])
        self.sent = last_seen(self.scope.get("query_string", b""))
        self.group = group_name(self.build_pk)
        self.finished = False
        user = self.scope.get("user")
        if user is None or not await may_view(user, self.scope.get("session")):
            await self.close(code=CLOSE_NOT_ALLOWED)
            return
        if not await build_exists(self.build_pk):
            await self.close(code=CLOSE_NOT_FOUND)
            return
        # Join before reading the database: a line stored after the replay's last read
        # is broadcast after this, so it reaches this consumer live.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_stored(until=None)
        status = await current_status(self.build_pk)
        await self.send_status(status)

    async def disconnect(self, code: int) -> None:
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        """Client frames carry nothing this consumer acts on."""

    async def dispatch(self, message: dict) -> None:
        """Handle a message; the build's live messages without Channels' detour through a thread.

        Channels closes stale database connections in a thread before every
        handler, one thread for all the process's consumers: a hop per batch
        and viewer. These handlers reach the database only through
        database_sync_to_async, which closes stale connections itself.
        """
        if message["type"] == "build.lines":
            await self.build_lines(message)
        elif message["type"] == "build.status":
            await self.build_status(message)
        else:
            await super().dispatch(message)

    async def build_lines(self, event: dict) -> None:
        """Forward a live batch (builds.logsink.lines_event): lines already sent are dropped, a gap before it
        is read from the database."""
        if self.finished or event["last"] <= self.sent:
            return
        if event["first"] > self.sent + 1:
            await self.send_stored(until=event["first"] - 1)
        if event["first"] == self.sent + 1:
            await self.send(text_data=event["frame"])
            self.sent = event["last"]
            return
        lines = [line for line in event_lines(event) if line["seq"] > self.sent]
        if lines:
            await self.send_lines(lines)

    async def build_status(self, event: dict) -> None:
        """Forward a status change; a final one first catches up on any line not yet sent."""
        if self.finished:
            return
        await self.send_status(event)

    async def send_status(self, status: dict) -> None:
        if status.get("final") and status["last_seq"] > self.sent:
            await self.send_stored(until=status["last_seq"])
        message = {
            "type": "build.status",
            "status": status["status"],
            "current_step": status.get("current_step", ""),
            "last_seq": status.get("last_seq", self.sent),
            "final": bool(status.get("final")),
            "paused": bool(status.get("paused")),
        }
        await self.send_json(message)
        if message["final"]:
            self.finished = True
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.close()

    async def send_stored(self, until: int | None) -> None:
        """Send the stored lines after the last one sent, up to seq `until` (None: all of them)."""
        while True:
            lines = await stored_lines(self.build_pk, self.sent, until, REPLAY_BATCH)
            if not lines:
                return
            await self.send_lines(lines)
            if len(lines) < REPLAY_BATCH:
                return

    async def send_lines(self, lines: list[dict]) -> None:
        await self.send_json({"type": "build.lines", "lines": lines})
        self.sent = lines[-1]["seq"]


@database_sync_to_async
def may_view(user, session) -> bool:
    # A session signed in with the printed first password may only change it (imagehub.initial_password).
    if session is not None and initial_password.must_choose(session):
        return False
    return user.is_authenticated and user.is_active and user.has_perm(VIEW_BUILDS)


@database_sync_to_async
def build_exists(pk: int) -> bool:
    return Build.objects.filter(pk=pk).exists()


@database_sync_to_async
def stored_lines(pk: int, after: int, until: int | None, limit: int) -> list[dict]:
    lines = BuildLogLine.objects.all()
    if until is not None:
        lines = lines.filter(seq__lte=until)
    return lines.messages(pk, after=after, limit=limit)


@database_sync_to_async
def current_status(pk: int) -> dict:
    build = Build.objects.only("status", "current_step", "last_seq", "paused_at").get(pk=pk)
    return status_message(build.status, build.current_step, build.last_seq, final=build.is_over,
                          paused=build.paused_at is not None)
