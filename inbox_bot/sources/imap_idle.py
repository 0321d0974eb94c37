"""Waiting for new mail with IDLE (RFC 2177), on a connection of its own beside the one that polls.

The polling connection is busy reading and filing; this one only waits. It EXAMINEs the folder (read-only, so
it takes no \\Recent flag from the staff's mail client), issues IDLE and says whether the server announced new
mail: an EXISTS above the count it knew (EXPUNGE lowers it: our own filing is no news, nor are flags). A BYE,
or a connection that reached its end, is a `MailboxError` like every other failure of the adapter, so the daemon
reconnects. Typical use, one thread per mailbox::

    with ImapIdle(settings, read_credential(settings)) as idle:
        if idle.has_idle:
            idle.begin()
            while not stopping:
                if idle.wait(1.0):      # news: ask for a poll
                    ...
                if time_to_renew:
                    idle.renew()        # DONE, then IDLE again, before the server's 30 minutes run out
"""

from __future__ import annotations

import selectors
import socket
import ssl
from typing import Any

from inbox_bot.core.errors import MailboxError
from inbox_bot.core.reasons import Cause
from inbox_bot.sources.imap import ImapMailbox
from inbox_bot.sources.imap_values import LOGOUT_TIMEOUT, check_folder_name

# A socket that says "readable" and yields no line, again and again, is at its end: imapclient's idle_check
# swallows the EOF and answers [] (a stray TLS record can give one such empty read, never three in a row).
EMPTY_READS = 3


class ImapIdle(ImapMailbox):
    """A second session with one mailbox that only waits in IDLE. Not thread-safe: one thread owns it."""

    _idling = False
    _empty_reads = 0
    _exists = 0  # mails in the folder, as the server last said

    @property
    def has_idle(self) -> bool:
        return "IDLE" in self.capabilities

    def begin(self) -> None:
        """EXAMINE the configured folder and enter IDLE."""
        name = check_folder_name(self.settings.folder)
        client = self._conn()
        with self._guard(f"examine folder {name!r}", fix="check the folder name (case matters, except INBOX)"):
            self.stats.commands["EXAMINE"] += 1
            opened = client.select_folder(name, readonly=True)
        self._exists = int(opened.get(b"EXISTS", 0))
        self._enter(client)

    def wait(self, seconds: float) -> bool:
        """Wait up to `seconds` in IDLE: True when the server announced new mail."""
        client = self._conn()
        if not self._idling:
            raise MailboxError(self._message("IDLE", "not waiting in IDLE"), fix="call begin() first")
        if not _readable(client.socket(), seconds):
            return False
        with self._guard("IDLE"):
            responses = client.idle_check(timeout=0)
        if responses:
            self._empty_reads = 0
            return self._news(responses)
        self._empty_reads += 1
        if self._empty_reads >= EMPTY_READS:
            self._drop()
            raise MailboxError(
                self._message("IDLE", "the server closed the connection"), fix="reconnect", cause=Cause.NETWORK
            )
        return False

    def renew(self) -> bool:
        """DONE, then IDLE again (RFC 2177: a server may end an IDLE left alone 30 minutes). True on news."""
        client = self._conn()
        news = self._done(client)
        self._enter(client)
        return news

    def close(self) -> None:
        """Leave IDLE (briefly: a stopping daemon does not wait on a stalled server), then log out."""
        client = self._client
        if self._idling and client is not None:
            try:
                client.socket().settimeout(min(self.settings.read_timeout.total_seconds(), LOGOUT_TIMEOUT))
                self._done(client)
            except (MailboxError, OSError):
                self._drop()
        super().close()

    # -------------------------------------------------------- inside

    def _enter(self, client: Any) -> None:
        with self._guard("IDLE"):
            self.stats.commands["IDLE"] += 1
            client.idle()
        self._idling, self._empty_reads = True, 0

    def _done(self, client: Any) -> bool:
        self._idling = False
        with self._guard("IDLE DONE"):
            _text, responses = client.idle_done()
        return self._news(responses)

    def _news(self, responses: list[Any]) -> bool:
        news = False
        for response in responses:
            if not isinstance(response, tuple) or not response:
                continue
            if response[0] == b"BYE":
                words = b" ".join(part for part in response[1:] if isinstance(part, bytes))
                self._drop()
                raise MailboxError(
                    self._message("IDLE", f"the server ended the session: {words.decode('ascii', 'replace')}"),
                    fix="reconnect",
                    cause=Cause.NETWORK,
                )
            if len(response) > 1 and isinstance(response[0], int):
                news = self._counted(response[0], response[1]) or news
        return news

    def _counted(self, number: int, what: object) -> bool:
        if what == b"EXPUNGE":
            self._exists = max(0, self._exists - 1)
        elif what == b"EXISTS":
            news, self._exists = number > self._exists, number
            return news
        return False

    def _reset_session(self) -> None:
        super()._reset_session()
        self._idling, self._empty_reads = False, 0


def _readable(sock: socket.socket, seconds: float) -> bool:
    # TLS: bytes already decrypted wait in the SSL object, where no selector sees them.
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    # A selector, not select(): select() fails on a descriptor numbered above 1024.
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        return bool(selector.select(seconds))
