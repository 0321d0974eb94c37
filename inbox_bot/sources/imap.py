"""IMAP mailboxes: the only module that talks IMAP (through imapclient).

One `ImapMailbox` wraps one connection to one mailbox. It answers the questions a poll asks, cheaply:
what is new since the last UID we saw, how big and when did it arrive, give me the bytes (without
marking anything read), file it into that folder. Every failure of the server or the network comes
out as one `MailboxError` line naming the mailbox, never the password.

Typical poll::

    with ImapMailbox(settings, read_credential(settings)) as mailbox:
        state = mailbox.status()                 # compare state.uidvalidity with the stored one
        uids = mailbox.new_uids(stored_max_uid)  # [] on an idle poll: that one STATUS, nothing else
        meta = mailbox.fetch_meta(uids)          # new_uids left the folder selected
        for uid, raw in mailbox.fetch_bodies(uids):
            ...
"""

from __future__ import annotations

import hashlib
import imaplib
import logging
import ssl
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import LoginError

from inbox_bot.config.secrets import Credential
from inbox_bot.config.settings import MailboxSettings
from inbox_bot.core.errors import ConfigError, MailboxError
from inbox_bot.core.models import RawMail
from inbox_bot.sources.imap_failures import classify, create_cause, create_fix, one_line
from inbox_bot.sources.imap_values import (
    _ATOM,
    FETCH_PART,
    LOGOUT_TIMEOUT,
    META_BATCH,
    SPECIAL_USE,
    Capabilities,
    FolderLayout,
    FolderState,
    ImapStats,
    MessageMeta,
    UidValidityChanged,
    check_delimiter,
    check_folder_name,
    check_prefix,
    check_uid,
    folder_to_search,
    imap_safe_value,
    quoted,
)
from inbox_bot.sources.mailbox import Sink

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- the mailbox


class ImapMailbox:
    """One connection to one IMAP mailbox. Not thread-safe: one poll at a time."""

    def __init__(
        self,
        settings: MailboxSettings,
        credential: Credential,
        *,
        allow_move: bool = True,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.credential = credential
        # False forces COPY + \Deleted + UID EXPUNGE even when the server has MOVE (tests, odd servers).
        self.allow_move = allow_move
        self.stats = ImapStats()
        self._ssl_context = ssl_context
        self._client: Any = None  # imapclient.IMAPClient (untyped)
        self._caps = Capabilities(frozenset())
        self._selected: FolderState | None = None  # the folder open in this session
        self._checked: FolderState | None = None  # what the caller last saw, by status() or select()
        self._fresh = False  # ... and new_uids has not used it yet
        self._layout: FolderLayout | None = None
        self._folders: set[str] = set()
        self._refused: dict[str, MailboxError] = {}  # folders the server would not create, this session

    # -------------------------------------------------------- connection

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def connected(self) -> bool:
        return self._client is not None

    def connect(self) -> Self:
        """Open, secure and log in. Calling it again after a failure reconnects."""
        if self._client is not None:
            return self
        client = self._open()
        try:
            self._secure_and_login(client)
            with self._guard("read capabilities"):
                self._caps = Capabilities.of(_text(c) for c in client.capabilities())
        except BaseException:
            _shutdown(client)
            raise
        self._client = client
        self._reset_session()
        log.info("imap %s: connected to %s:%s", self.name, self.settings.host, self.settings.effective_port)
        return self

    def close(self) -> None:
        """Log out politely; never raises (the connection may already be dead), never waits long."""
        client, self._client = self._client, None
        self._reset_session()
        if client is None:
            return
        try:
            # A stalled server must not hold a shutting-down daemon for the whole read timeout.
            client.socket().settimeout(min(self.settings.read_timeout.total_seconds(), LOGOUT_TIMEOUT))
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            _shutdown(client)

    def __enter__(self) -> Self:
        return self.connect()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _open(self) -> Any:
        s = self.settings
        timeout = SocketTimeout(connect=s.connect_timeout.total_seconds(), read=s.read_timeout.total_seconds())
        use_ssl = s.security == "ssl"
        with self._guard("connect", fatal=True):
            client = IMAPClient(
                s.host,
                port=s.effective_port,
                ssl=use_ssl,
                ssl_context=self._tls_context() if use_ssl else None,
                timeout=timeout,
            )
        _quiet(client)
        # Aware datetimes: INTERNALDATE keeps its offset instead of being turned into naive local time.
        client.normalise_times = False
        return client

    def _secure_and_login(self, client: Any) -> None:
        if self.settings.security == "starttls":
            with self._guard("STARTTLS", fatal=True):
                if b"STARTTLS" not in client.capabilities():
                    # Never fall back to clear text: that is what a downgrade attack looks like.
                    raise MailboxError(
                        self._message("STARTTLS", "the server does not offer STARTTLS"),
                        fix="use security = 'ssl' (port 993) or check the port",
                    )
                client.starttls(self._tls_context())
        with self._guard("login", fatal=True):
            self._login(client)

    def _login(self, client: Any) -> None:
        s, password = self.settings, self.credential.secret.get_secret_value()
        if self.credential.oauth2:
            client.oauth2_login(s.username, password)
            return
        if password.isascii() and _ATOM.fullmatch(s.username):
            client.login(s.username, password)
        else:
            # imaplib's LOGIN is ASCII-only and leaves the user name unquoted; SASL PLAIN carries UTF-8.
            client.plain_login(s.username, password)

    def _tls_context(self) -> ssl.SSLContext:
        if self._ssl_context is not None:
            return self._ssl_context
        ca_file = self.settings.ca_file
        try:
            return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError: a file that is not PEM certificates
            raise ConfigError(
                f"cannot load the CA certificates in {ca_file}: {getattr(exc, 'strerror', None) or exc}",
                field=f"mailboxes[{self.settings.name}].ca_file",
                fix="give the PEM file of the CA that signed the server's certificate",
            ) from exc

    def _reset_session(self) -> None:
        self._selected = self._checked = None
        self._fresh = False
        self._layout = None
        self._folders = set()
        self._refused = {}

    def _conn(self) -> Any:
        if self._client is None:
            raise MailboxError(
                self._message("use", "not connected (the connection was closed or lost)"),
                fix="connect again; the next poll does it",
            )
        return self._client

    # -------------------------------------------------------- capabilities

    @property
    def capabilities(self) -> Capabilities:
        """What the server announced after login; every choice that depends on it asks this one value."""
        return self._caps

    @property
    def has_move(self) -> bool:
        return "MOVE" in self._caps

    @property
    def has_uidplus(self) -> bool:
        return "UIDPLUS" in self._caps

    @property
    def is_gmail(self) -> bool:
        return self._caps.gmail

    # -------------------------------------------------------- reading

    def status(self, folder: str | None = None) -> FolderState:
        """UIDVALIDITY, UIDNEXT and message count of a folder (the configured one) without opening it.

        Start an idle-prone poll with this, not select(): Dovecot answers STATUS from its mailbox-list
        index in well under a millisecond whatever the folder holds, while its SELECT grows with the
        folder (about 100 ms for 50,000 mails). RFC 3501 6.3.10 advises against STATUS on the selected
        folder, so that one is unselected first (UNSELECT, never CLOSE, which would expunge), or
        re-selected on a server without UNSELECT.
        """
        name = check_folder_name(folder or self.settings.folder)
        client = self._conn()
        if self._selected is not None and self._selected.folder == name:
            if "UNSELECT" not in self._caps:
                return self.select(name)
            with self._guard(f"unselect folder {name!r}"):
                self.stats.commands["UNSELECT"] += 1
                client.unselect_folder()
            self._selected = None
        self._checked = None
        with self._guard(f"status of folder {name!r}", fix="check the folder name (case matters, except INBOX)"):
            self.stats.commands["STATUS"] += 1
            response = client.folder_status(name, ["MESSAGES", "UIDNEXT", "UIDVALIDITY"])
        state = self._state_from(name, response, count=b"MESSAGES", selected=False)
        self._checked, self._fresh = state, True
        return state

    def select(self, folder: str | None = None) -> FolderState:
        """Open the folder (the configured one): needed before new mail is searched, fetched or moved."""
        name = check_folder_name(folder or self.settings.folder)
        client = self._conn()
        self._selected = self._checked = None  # a failed SELECT leaves no folder selected
        with self._guard(f"select folder {name!r}", fix="check the folder name (case matters, except INBOX)"):
            self.stats.commands["SELECT"] += 1
            response = client.select_folder(name)
        state = self._state_from(name, response, count=b"EXISTS", selected=True)
        self._selected = self._checked = state
        self._fresh = True
        return state

    def _state_from(self, name: str, response: dict[bytes, Any], *, count: bytes, selected: bool) -> FolderState:
        if b"UIDVALIDITY" not in response:
            raise MailboxError(
                self._message(f"folder {name!r}", "the server sent no UIDVALIDITY"),
                fix="this server cannot be polled safely; use another folder or server",
            )
        return FolderState(
            folder=name,
            uidvalidity=int(response[b"UIDVALIDITY"]),
            uidnext=int(response[b"UIDNEXT"]) if b"UIDNEXT" in response else None,
            exists=int(response.get(count, 0)),
            selected=selected,
        )

    @property
    def selected(self) -> FolderState | None:
        """The folder open in this session, as its SELECT described it."""
        return self._selected

    def quiet(self) -> bool:
        """NOOP on the open folder: True when the server reports no change since it was selected.

        An idle poll of an open folder costs one NOOP, whatever the folder holds (STATUS grows with it on
        Dovecot). Any untagged answer (EXISTS, EXPUNGE, FETCH flags, a new UIDVALIDITY...) means "look".
        """
        if self._selected is None:
            return False
        client = self._conn()
        with self._guard("noop"):
            self.stats.commands["NOOP"] += 1
            _text, updates = client.noop()
        return not updates

    @property
    def state(self) -> FolderState | None:
        """The folder as the caller last saw it, by status() or select()."""
        return self._checked

    def new_uids(self, known_max_uid: int | None, known: AbstractSet[int] | None = None) -> list[int]:
        """UIDs above `known_max_uid` (all when None) and not in `known`, ascending.

        Call status() or select() first and check its UIDVALIDITY against the stored one. After
        status(), an idle poll is answered from its UIDNEXT alone: no SELECT, no SEARCH. When there
        is something new the folder is selected, ready for fetch_meta/fetch_bodies/move. Raises
        UidValidityChanged if the folder's UIDVALIDITY moved since the state the caller checked.
        """
        state = folder_to_search(self._checked, self._fresh, known_max_uid, self._reselect)
        self._fresh = False
        if state is None:
            return []
        skip = known or frozenset()
        return [uid for uid in self._search_new(known_max_uid) if uid not in skip]

    def _reselect(self, checked: FolderState) -> FolderState:
        state = self.select(checked.folder)
        self._fresh = False
        if state.uidvalidity != checked.uidvalidity:
            raise UidValidityChanged(
                self._message(
                    f"folder {checked.folder!r}",
                    f"UIDVALIDITY changed from {checked.uidvalidity} to {state.uidvalidity}",
                ),
                old=checked.uidvalidity,
                new=state.uidvalidity,
            )
        return state

    def _search_new(self, known_max_uid: int | None) -> list[int]:
        if known_max_uid is None:
            return sorted(self._search(b"ALL"))
        found = self._search(f"UID {known_max_uid + 1}:*".encode("ascii"))
        # RFC 3501 6.4.8: "n:*" always matches the highest UID, even when it is below n. Drop it.
        return sorted(uid for uid in found if uid > known_max_uid)

    def _search(self, criteria: bytes) -> list[int]:
        """UID SEARCH with criteria we built ourselves (imapclient sends a bytes criteria unchanged)."""
        client = self._conn()
        self._need_selection()
        with self._guard("search"):
            self.stats.commands["SEARCH"] += 1
            return [int(uid) for uid in client.search(criteria)]

    def find_message_id(self, message_id: str) -> list[int]:
        """UIDs in the selected folder whose Message-ID header contains `message_id` (ValueError if unsafe)."""
        value = imap_safe_value(message_id, what="Message-ID")
        return sorted(self._search(b"HEADER Message-ID " + quoted(value)))

    def fetch_meta(self, uids: Iterable[int]) -> dict[int, MessageMeta]:
        """Size, INTERNALDATE (aware UTC), flags and, on Gmail, X-GM-MSGID; no body is downloaded.

        A UID that vanished meanwhile (moved or deleted by someone else) is simply absent.
        """
        items = [b"RFC822.SIZE", b"INTERNALDATE", b"FLAGS"]
        if self.is_gmail:
            items.append(b"X-GM-MSGID")
        result: dict[int, MessageMeta] = {}
        for chunk in _chunks(_checked_uids(uids), META_BATCH):
            for uid, data in self._fetch(chunk, items, "fetch sizes and dates").items():
                result[uid] = self._meta(uid, data)
        return result

    def fetch_bodies(self, uids: Iterable[int], batch: int = 10) -> Iterator[tuple[int, bytes]]:
        """(uid, raw bytes) in UID order, `batch` mails per FETCH.

        BODY.PEEK[] never sets \\Seen: the humans reading the mailbox still see the mail as new.
        Memory holds one batch at a time; a UID that vanished meanwhile is skipped.
        """
        if batch < 1:
            raise ValueError("batch must be at least 1")
        for chunk in _chunks(_checked_uids(uids), batch):
            response = self._fetch(chunk, [b"BODY.PEEK[]"], "fetch mails")
            for uid in chunk:
                body = response.get(uid, {}).get(b"BODY[]")
                if body is None:
                    log.info("imap %s: UID %s vanished before it could be read", self.name, uid)
                    continue
                self.stats.body_bytes += len(body)
                yield uid, bytes(body)

    def fetch_into(self, uid: int, sink: Sink, part: int = FETCH_PART) -> int | None:
        """Write one mail into `sink` in partial FETCHes (BODY.PEEK[]<offset.part>, RFC 3501 6.4.5), so a large
        mail is never held whole; the bytes written, or None when the UID vanished before its first part.

        A part shorter than asked is the last: RFC822.SIZE is not trusted to say where the mail ends."""
        if part < 1:
            raise ValueError("part must be at least 1")
        uid, offset = check_uid(uid), 0
        while True:
            response = self._fetch([uid], [b"BODY.PEEK[]<%d.%d>" % (offset, part)], "fetch a large mail")
            piece = _partial_body(response.get(uid, {}))
            if piece is None:
                if offset == 0:
                    log.info("imap %s: UID %s vanished before it could be read", self.name, uid)
                    return None
                return offset  # a server that answers past the end with nothing at all
            sink.write(piece)
            offset += len(piece)
            self.stats.body_bytes += len(piece)
            if len(piece) < part:
                return offset

    def _fetch(self, uids: Sequence[int], items: list[bytes], action: str) -> dict[int, dict[bytes, Any]]:
        client = self._conn()
        self._need_selection()
        with self._guard(action):
            self.stats.commands["FETCH"] += 1
            response = client.fetch(list(uids), items)
        return {int(uid): data for uid, data in response.items()}

    def _meta(self, uid: int, data: dict[bytes, Any]) -> MessageMeta:
        received = data.get(b"INTERNALDATE")
        if not isinstance(received, datetime) or received.tzinfo is None:
            raise MailboxError(self._message("fetch sizes and dates", f"UID {uid} has no usable INTERNALDATE"))
        gm_msgid = data.get(b"X-GM-MSGID")
        return MessageMeta(
            uid=uid,
            size=int(data.get(b"RFC822.SIZE", 0)),
            internaldate=received.astimezone(UTC),
            flags=frozenset(_text(flag) for flag in data.get(b"FLAGS", ())),
            gm_msgid=int(gm_msgid) if gm_msgid is not None else None,
        )

    def raw_mail(self, uid: int, raw: bytes, meta: MessageMeta | None = None) -> RawMail:
        """The pipeline's RawMail; `source` is name/folder/uidvalidity/uid, unique for ever."""
        state = self._need_selection()
        return RawMail(
            source=f"{self.name}/{state.folder}/{state.uidvalidity}/{uid}",
            raw=raw,
            sha256=hashlib.sha256(raw).hexdigest(),
            server_received_at=meta.internaldate if meta else None,
        )

    # -------------------------------------------------------- writing

    def move(self, uid: int, folder: str) -> None:
        """Move one mail of the selected folder into `folder` (which must exist: see ensure_folder)."""
        self.move_many([uid], folder)

    def move_many(self, uids: Iterable[int], folder: str) -> None:
        """Move mails of the selected folder into `folder`, up to META_BATCH UIDs per command.

        One MOVE of 50 UIDs costs about what one MOVE of one UID costs (docs/benchmarks.md).
        """
        checked, target = _checked_uids(uids), check_folder_name(folder)
        for chunk in _chunks(checked, META_BATCH):
            self._move_chunk(list(chunk), target)

    def _move_chunk(self, uids: list[int], target: str) -> None:
        client = self._conn()
        self._need_selection()
        action = f"move {len(uids)} mail(s) (UID {uids[0]}...) to {target!r}"
        fix = "check the folder exists (ensure_folder) and the account may write to it"
        method = self._caps.filing(allow_move=self.allow_move)
        with self._guard(action, fix=fix):
            if method == "move":
                self.stats.commands["MOVE"] += 1
                client.move(uids, target)
                return
            # Not atomic: if what follows COPY fails, the mail sits in both folders (the source one maybe
            # flagged \Deleted); the ledger says it is not filed, and the next poll finds the copy.
            self.stats.commands["COPY"] += 1
            client.copy(uids, target)
            self.stats.commands["STORE"] += 1
            client.add_flags(uids, [b"\\Deleted"], silent=True)
            if method == "copy-expunge":
                self.stats.commands["EXPUNGE"] += 1
                client.uid_expunge(uids)
            else:
                # No UIDPLUS: a plain EXPUNGE would also erase every mail someone else marked \Deleted.
                log.info(
                    "imap %s: server without MOVE or UIDPLUS: %d mail(s) copied to %r, originals left marked "
                    "\\Deleted for the mail client to expunge",
                    self.name,
                    len(uids),
                    target,
                )

    def folder_name(self, path: str) -> str:
        """The server's name for a "/"-separated folder path (`file_into`): its delimiter, its prefix."""
        return self.folder_layout().name(path)

    def ensure_folder(self, path: str) -> str:
        """Create the folder of a "/"-separated path and its missing parents (subscribed, so mail clients show
        them); return its name on the server. A refusal is remembered for the rest of the session."""
        layout = self.folder_layout()
        names = ["INBOX"] if path.upper() == "INBOX" else layout.levels(path)
        target = names[-1]
        if target in self._refused:
            raise self._refused[target]
        try:
            for depth, name in enumerate(names, start=1):
                if name not in self._folders and name.upper() != "INBOX":
                    if not self._selectable(name, leaf=depth == len(names)):
                        self._create(name)
                    self._folders.add(name)
        except MailboxError as exc:
            if self.connected:  # a refusal, not a lost connection: asking again this session changes nothing
                self._refused[target] = exc
            raise
        return target

    def folder_layout(self) -> FolderLayout:
        """Delimiter and personal prefix: from the config when it says, else from LIST "" "" and NAMESPACE."""
        if self._layout is None:
            s = self.settings
            configured = s.folder_delimiter
            delimiter = check_delimiter(configured) if configured is not None else self._detect_delimiter()
            prefix = s.folder_prefix if s.folder_prefix is not None else self._detect_prefix(delimiter)
            self._layout = FolderLayout(delimiter, check_prefix(prefix, delimiter))
            log.info("imap %s: folders: delimiter %r, prefix %r", self.name, delimiter, self._layout.prefix)
        return self._layout

    def special_folders(self) -> dict[str, str]:
        """RFC 6154 special-use folders by attribute (\\Trash, \\Junk, \\Sent, \\All...), never by name.

        Names are localised ("Corbeille", "[Gmail]/Spam"...), attributes are not.
        """
        wanted = {flag.lower(): flag for flag in SPECIAL_USE}
        found: dict[str, str] = {}
        for flags, _delimiter, folder in self._list("", "*"):
            for flag in flags:
                canonical = wanted.get(_text(flag).lower())
                if canonical is not None:
                    found.setdefault(canonical, folder)
        return found

    def _detect_delimiter(self) -> str:
        """RFC 3501 6.3.8: LIST "" "" names the delimiter (NIL: a flat server). Nonsense is refused."""
        try:
            rows = self._list("", "")
            raw = rows[0][1] if rows else None
            return check_delimiter(_text(raw)) if raw else ""
        except (ValueError, TypeError, IndexError) as exc:
            raise MailboxError(
                self._message('LIST "" ""', f"the server's answer names no usable folder delimiter ({exc})"),
                fix="set folder_delimiter (and folder_prefix) for this mailbox in the config",
            ) from None

    def _detect_prefix(self, delimiter: str) -> str:
        """The first personal namespace (RFC 2342), "" without NAMESPACE; nonsense is logged, then ignored."""
        if "NAMESPACE" not in self._caps:
            return ""
        client = self._conn()
        try:
            with self._guard("namespace"):
                self.stats.commands["NAMESPACE"] += 1
                personal = client.namespace().personal
            prefix = _text(personal[0][0]) if personal else ""
            return check_prefix(prefix, delimiter)
        except (MailboxError, ValueError, TypeError, IndexError) as exc:
            if not self.connected:
                raise
            text = exc.one_line() if isinstance(exc, MailboxError) else f"{type(exc).__name__}: {exc}"
            log.warning(
                "imap %s: NAMESPACE answer unusable (%s): folders go at the top level; set folder_prefix if the "
                "server wants another place",
                self.name,
                one_line(text)[:300],
            )
            return ""

    def _selectable(self, path: str, *, leaf: bool) -> bool:
        rows = [row for row in self._list("", path) if row[2] == path]
        if not rows:
            return False
        flags = {_text(flag).lower() for flag in rows[0][0]}
        # A parent created implicitly is \Noselect: fine on the way, not as the place mails go.
        return not leaf or not flags & {"\\noselect", "\\nonexistent"}

    def _create(self, path: str) -> None:
        try:
            self._create_and_subscribe(path)
        except MailboxError as exc:
            if exc.fix is None:  # a plain refusal: say which kind, from the server's own words
                exc.cause = create_cause(exc.message, outside_namespace=self._outside_namespace(path))
                exc.fix = create_fix(path, exc.cause)
            raise

    def _outside_namespace(self, name: str) -> bool:
        """Whether a refused name lies outside the personal namespace the server announces (a wrong prefix)."""
        if not self.connected or "NAMESPACE" not in self._caps:
            return False
        announced = self._detect_prefix(self.folder_layout().delimiter)
        return bool(announced) and not name.startswith(announced)

    def _create_and_subscribe(self, path: str) -> None:
        client = self._conn()
        with self._guard(f"create folder {path!r}"):
            self.stats.commands["CREATE"] += 1
            try:
                client.create_folder(path)
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error as exc:
                if "ALREADYEXISTS" not in str(exc).upper():  # another client was quicker: fine
                    raise
            try:
                client.subscribe_folder(path)
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error as exc:
                log.info("imap %s: could not subscribe to %r: %s", self.name, path, exc)

    def _list(self, directory: str, pattern: str) -> list[tuple[tuple[Any, ...], Any, str]]:
        client = self._conn()
        with self._guard("list folders"):
            self.stats.commands["LIST"] += 1
            rows = client.list_folders(directory, pattern)
        return [(tuple(flags), delimiter, str(name)) for flags, delimiter, name in rows]

    def _need_selection(self) -> FolderState:
        if self._selected is None:
            raise RuntimeError("no folder selected: call select() first")
        return self._selected

    # -------------------------------------------------------- errors

    @contextmanager
    def _guard(self, action: str, *, fix: str | None = None, fatal: bool = False) -> Iterator[None]:
        """Turn imapclient/imaplib/socket/TLS failures into one MailboxError line.

        A lost or timed-out connection is dropped (its protocol state is unknown), and so is one whose
        server reports an internal error; a plain NO or BAD leaves it usable. `fatal` marks connection
        set-up, where `connect` closes the half-open client. `fix` is the hint for a plain refusal.
        """
        try:
            yield
        except MailboxError:
            raise
        except (imaplib.IMAP4.error, OSError) as exc:
            s = self.settings
            timeout = (s.connect_timeout if action == "connect" else s.read_timeout).total_seconds()
            failure = classify(exc, timeout, login_refused=isinstance(exc, LoginError))
            if fatal or failure.broken:
                self._drop()
            error = MailboxError(self._message(action, failure.reason), fix=failure.fix or fix, cause=failure.cause)
            if isinstance(exc, LoginError):
                raise error from None  # the server's words suffice; keep the login exchange out of tracebacks
            raise error from exc

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _shutdown(client)
        self._reset_session()

    def _message(self, action: str, reason: str) -> str:
        s = self.settings
        message = one_line(f"IMAP mailbox {s.name!r} ({s.host}:{s.effective_port}): {action}: {reason}")
        secret = self.credential.secret.get_secret_value()
        if secret:  # belt and braces: no server echoes a password, but an error message must never carry one
            message = message.replace(secret, "***")
        return message


# ---------------------------------------------------------------- helpers


def _quiet(client: Any) -> None:
    """Stop imaplib formatting every response for a debug log.

    imapclient 4.1.0 sets `_imap.debug = 5` and routes imaplib's messages to the "imapclient.imaplib"
    logger. imaplib builds those messages eagerly, whatever the logger's level: at level 5 each
    untagged response (each fetched mail body included) is repr()-ed twice, when stored and when
    popped, which costs more time and memory than the download of a large attachment. At 0 imaplib
    only keeps its 10 last command/response lines (not literals) in memory.
    """
    imap = getattr(client, "_imap", None)
    if imap is not None:  # the test suite checks it still works with the pinned imapclient
        imap.debug = 0


def _shutdown(client: Any) -> None:
    with suppress(imaplib.IMAP4.error, OSError):
        client.shutdown()


def _partial_body(data: dict[bytes, Any]) -> bytes | None:
    """The body part of a partial FETCH's answer: servers name it BODY[]<offset> (imapclient keeps the name)."""
    for key, value in data.items():
        if isinstance(key, bytes) and key.startswith(b"BODY[]"):
            return bytes(value) if value is not None else b""
    return None


def _text(value: Any) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)


def _checked_uids(uids: Iterable[int]) -> list[int]:
    return sorted({check_uid(uid) for uid in uids})


def _chunks(values: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
