"""Short full garbage collections in a server process: what lives as long as the process is frozen.

CPython's full collection walks every container object the process holds.
A web process holds about 110,000 of them once started (modules, models,
URL patterns, Twisted) and some 30,000 more after its first requests
(compiled templates, the URL resolvers' and compiled queries' caches), and
almost none of them ever becomes garbage. Under load a full collection came
every four seconds or so and took 90-115 ms, a pause that every waiting
request shared. `settle` collects once and freezes what is left (the
permanent generation, which collections skip): full collections then walk
only what later requests made, 3-9 ms.

A process settles when it has started (imagehub.asgi, `imagehub serve`),
after its first WARM_REQUESTS requests, and again every SETTLE_EVERY
requests (`Settling`). Each time the frozen objects are unfrozen first, so
that whatever has become garbage among them is freed then, not never.
"""

import gc

WARM_REQUESTS = 1_000
SETTLE_EVERY = 100_000


def settle() -> None:
    """Collect everything, the frozen objects too, and freeze what is left."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class Settling:
    """Counts a process's requests and settles its heap after the WARM_REQUESTS-th and every SETTLE_EVERY more."""

    def __init__(self):
        self.served = 0

    def served_one(self) -> None:
        """Count a request that has been answered; settle the heap when its turn has come."""
        self.served += 1
        if self.served >= WARM_REQUESTS and (self.served - WARM_REQUESTS) % SETTLE_EVERY == 0:
            settle()
