"""The ASGI handler for Django's HTTP requests: each request's synchronous work in one call, on a reused thread.

Django's own ASGI handler loads the middleware in async mode. With
middleware and views that are synchronous (all of ImageHub's are), every
middleware's request and response hooks, the view and the template response
then each hop from the event loop to the request's thread and back: some
twenty hops per request, and a new thread for every request, since each
runs in a ThreadSensitiveContext of its own. Here the middleware is loaded
in sync mode, and the request_started signal, the whole chain and the
response's close (which sends request_finished, giving back the request's
database connections) run as one call on the request's thread, as under
WSGI; the response is then sent from the event loop. A streaming response is
sent first, a part at a time, and closed after, and a client that
disconnects meanwhile stops it, as in Django's handler. The thread comes
from a pool of one-thread executors, so a request still has a thread to
itself for all of its work (database connections are per thread), but the
thread is not created and torn down each time.

The request's work is handed to its thread with the event loop's
run_in_executor, in a copy of the context the request started in, and not
with asgiref's sync_to_async: that one also keeps a thread-sensitive
context, copies the context back after every call and wraps the call for
async_to_sync's sake, which cost about an eighth of a small page's CPU
(0.24 ms of 1.84, measured against the plain hop). Nothing in a request's synchronous
work goes back to the event loop: a view that does so (an async view, or
async_to_sync) still works, from a loop of its own. The script prefix, kept
per thread by Django, is set on the request's thread.

At most
IMAGEHUB["REQUEST_THREADS"] requests of a process (unless 0) run their
synchronous work at once; the others wait their turn on the event loop.
Python runs one thread at a time, so when requests mostly compute (as
ImageHub's do: SQLite runs inside the process, and a database server
answers in a fraction of a page's time) more would not finish sooner: they
would take turns every few milliseconds, and the event loop's thread, which
sends the finished responses, would wait behind them. The handler counts
the requests it answers for imagehub.heap, which settles the heap after
the first ones.
"""

import asyncio
import contextlib
import contextvars
import functools
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse
from django.urls import set_script_prefix

from imagehub import heap

# Idle executors kept for the next requests; more requests at once each get a new one, closed afterwards.
IDLE_THREADS = 16


class OneThreadASGIHandler(ASGIHandler):
    """Django's ASGIHandler with sync middleware, run in one hop per request on a pooled thread.

    Behaves as ASGIHandler: same request and response objects, signals,
    streaming, disconnect handling; async views still work (Django runs them
    from the request's thread).
    """

    def __init__(self):
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self._idle: list[ThreadPoolExecutor] = []
        self._turns: asyncio.Semaphore | contextlib.nullcontext | None = None
        self._settling = heap.Settling()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self._idle.pop() if self._idle else ThreadPoolExecutor(max_workers=1)
        try:
            await self.handle(scope, receive, send, executor)
        finally:
            if len(self._idle) < IDLE_THREADS:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)

    async def handle(self, scope, receive, send, executor: ThreadPoolExecutor):
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        on_thread = functools.partial(asyncio.get_running_loop().run_in_executor, executor,
                                      contextvars.copy_context().run)
        try:
            async with self._turn():
                response = await on_thread(self._respond, scope, body_file)
            if response.streaming:
                await self._stream(response, receive, send, on_thread)
            else:
                await self.send_response(response, send)
        finally:
            body_file.close()
        self._settling.served_one()

    def _turn(self):
        """A context to run a request's synchronous work in: one of the process's turns, or none when unlimited."""
        if self._turns is None:
            limit = settings.IMAGEHUB["REQUEST_THREADS"]
            self._turns = asyncio.Semaphore(limit) if limit else contextlib.nullcontext()
        return self._turns

    def _respond(self, scope, body_file):
        """Return the response to the request in `scope`; all but a streaming response are closed already."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            response.close()
        return response

    async def _stream(self, response, receive, send, on_thread):
        """Send a streaming response until it ends or the client disconnects, then close it.

        A synchronous iterator (a file's chunks, a generator) is read a part
        at a time on the request's thread (`on_thread` runs a call there);
        Django's handler would read it whole into memory first.
        """
        if not response.is_async:
            response.streaming_content = _parts_on_thread(response.streaming_content, on_thread)
        sending = asyncio.create_task(self.send_response(response, send))
        listening = asyncio.create_task(self.listen_for_disconnect(receive))
        try:
            await asyncio.wait([sending, listening], return_when=asyncio.FIRST_COMPLETED)
            for task in (listening, sending):
                if not task.done():
                    task.cancel()
                with contextlib.suppress(asyncio.CancelledError, RequestAborted):
                    await task
        finally:
            await on_thread(response.close)


_END = object()


async def _parts_on_thread(parts, on_thread):
    """Yield the parts of the synchronous iterable `parts`, each read on the request's thread when it is wanted."""
    iterator = await on_thread(iter, parts)
    while (part := await on_thread(next, iterator, _END)) is not _END:
        yield part
