"""Push: a thread per mailbox waits in IDLE and asks for that mailbox's poll as soon as the server announces mail.

Where IDLE is missing or turned off (`idle = false`), nothing changes: the interval polls do the work. Where it
works they go on beside it, a safety net for a notification lost or never sent. The poll stays the scheduler's
job: `PollRequests` keeps two polls of one mailbox from ever overlapping, and a request that comes while one
runs makes it run once more (the mail announced may have arrived after that poll's SEARCH).

A watcher whose connection fails logs one line, records the failure (the mailbox is `degraded` in `status` and
the digest until IDLE works again: mail still comes, with the polls), waits (backoff) and reconnects; after each
connection it asks for a poll, for what came while it was away. It looks at the stopping flag every second, so
SIGTERM ends it promptly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from inbox_bot.config.settings import MailboxSettings
from inbox_bot.core.errors import InboxBotError, MailboxError
from inbox_bot.core.reasons import Cause
from inbox_bot.sources.imap_failures import cause_of
from inbox_bot.sources.mailbox import Waiter, WaiterFactory

log = logging.getLogger(__name__)

RECONNECT_FIRST = timedelta(seconds=2)
RECONNECT_MAX = timedelta(minutes=5)
CHECK_EVERY = 1.0  # seconds between looks at the stopping flag
JOIN_TIMEOUT = 10.0  # seconds a stopping daemon gives each watcher to leave IDLE and log out


@dataclass(frozen=True)
class PushFailure:
    """Why IDLE failed: the server's words (status and the digest give the fix of its cause)."""

    error: str
    cause: Cause


# (mailbox, failure): IDLE failed; (mailbox, None): it works (again).
PushState = Callable[[str, PushFailure | None], None]


class PollRequests:
    """Polls asked for from any thread, run by the scheduler's job of that mailbox, never two at once."""

    def __init__(self, poll: Callable[[str], object], stopping: threading.Event) -> None:
        self._poll = poll
        self._stopping = stopping
        # Set by the daemon once its scheduler exists: makes the mailbox's job due now.
        self.run_now: Callable[[str], None] = lambda _name: None
        self._lock = threading.Lock()
        self._running: set[str] = set()
        self._wanted: set[str] = set()

    def request(self, name: str) -> None:
        """Poll `name` as soon as possible."""
        with self._lock:
            self._wanted.add(name)
            if name in self._running:
                return  # the running poll goes round once more when it ends
        self.run_now(name)

    def run(self, name: str) -> None:
        """The scheduled job: one poll, then one more while requests came during the last."""
        with self._lock:
            self._running.add(name)
            self._wanted.discard(name)
        while True:
            try:
                self._poll(name)
            except BaseException:
                with self._lock:
                    self._running.discard(name)
                raise
            with self._lock:  # decided and released in one step: a request cannot slip in between
                if name not in self._wanted or self._stopping.is_set():
                    self._running.discard(name)
                    return
                self._wanted.discard(name)


class PushWatcher:
    """One mailbox's IDLE connection, in a thread of its own."""

    def __init__(
        self,
        box: MailboxSettings,
        waiters: WaiterFactory,
        request_poll: Callable[[str], None],
        stopping: threading.Event,
        state: PushState,
        *,
        check_every: float = CHECK_EVERY,
    ) -> None:
        self.box = box
        self.waiters = waiters
        self.request_poll = request_poll
        self.stopping = stopping
        self.state = state
        self.check_every = check_every
        self.thread = threading.Thread(target=self.run, name=f"idle:{box.name}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def join(self, timeout: float = JOIN_TIMEOUT) -> None:
        if self.thread.is_alive():
            self.thread.join(timeout)

    def run(self) -> None:
        tries = 0  # failed connections in a row
        while not self.stopping.is_set():
            waiter: Waiter | None = None
            try:
                waiter = self.waiters(self.box)  # reads the secret: a token command may fail
                waiter.connect()
                if not waiter.has_idle:
                    log.info(
                        "mailbox %s: the server does not offer IDLE: polled every %s only",
                        self.box.name,
                        self.box.poll_every,
                    )
                    return
                waiter.begin()
                self._connected(tries)
                tries = 0
                self._tell(None)
                self.request_poll(self.box.name)  # what came before IDLE began, or while it was down
                self._watch(waiter)
            except InboxBotError as exc:
                tries += 1
                cause = exc.cause if isinstance(exc, MailboxError) and exc.cause else cause_of(exc.message)
                self._lost(exc.one_line(), PushFailure(exc.message, cause), tries)
            except Exception as exc:  # a bug must not end push for good: logged, then the same backoff
                log.exception("mailbox %s: IDLE watcher failed", self.box.name)
                tries += 1
                error = f"{type(exc).__name__}: {exc}"
                self._lost(error, PushFailure(error, Cause.OTHER), tries)
            finally:
                if waiter is not None:
                    waiter.close()
        log.info("mailbox %s: IDLE stopped", self.box.name)

    def _connected(self, tries: int) -> None:
        if tries:
            log.info("mailbox %s: IDLE connection back after %d failed tries", self.box.name, tries)
        else:
            log.info(
                "mailbox %s: waiting for new mail with IDLE (renewed every %s; polls every %s go on)",
                self.box.name,
                self.box.idle_renew,
                self.box.poll_every,
            )

    def _watch(self, waiter: Waiter) -> None:
        renew = self.box.idle_renew.total_seconds()
        renew_at = time.monotonic() + renew
        while not self.stopping.is_set():
            left = renew_at - time.monotonic()
            if left <= 0:
                news = waiter.renew()
                renew_at = time.monotonic() + renew
                log.debug("mailbox %s: IDLE renewed", self.box.name)
            else:
                news = waiter.wait(min(self.check_every, left))
            if news:
                log.debug("mailbox %s: new mail announced", self.box.name)
                self.request_poll(self.box.name)

    def _lost(self, error: str, failure: PushFailure, tries: int) -> None:
        delay = min(RECONNECT_FIRST * 2 ** (tries - 1), RECONNECT_MAX)
        log.warning(
            "mailbox %s: IDLE connection failed (try %d), reconnecting in %s: %s", self.box.name, tries, delay, error
        )
        self._tell(failure)
        self.stopping.wait(delay.total_seconds())

    def _tell(self, failure: PushFailure | None) -> None:
        try:
            self.state(self.box.name, failure)
        except Exception:  # the store busy or gone: the log says it all the same
            log.exception("mailbox %s: the state of IDLE could not be recorded", self.box.name)


def start_watchers(
    boxes: Iterable[MailboxSettings],
    waiters: WaiterFactory,
    request_poll: Callable[[str], None],
    stopping: threading.Event,
    state: PushState,
) -> list[PushWatcher]:
    """A running watcher for each mailbox with `idle` on; the others are said to be polled only."""
    watchers = []
    for box in boxes:
        if not box.idle:
            log.info("mailbox %s: IDLE off (idle = false): polled every %s", box.name, box.poll_every)
            continue
        watcher = PushWatcher(box, waiters, request_poll, stopping, state)
        watcher.start()
        watchers.append(watcher)
    return watchers


def stop_watchers(watchers: list[PushWatcher], stopping: threading.Event) -> None:
    if not watchers:
        return
    stopping.set()
    for watcher in watchers:
        watcher.join()
