"""What the daemon asks of a mailbox: the `Mailbox` protocol, and how a poller is given one.

Two implementations stand behind it: `ImapMailbox` (sources/imap.py, a real server through imapclient) and
`MemoryMailbox` (sources/memory_mailbox.py, a session with the in-memory twin of sources/memory.py, for the
fast test tier). The protocol is exactly the calls daemon/poller.py makes, no more: a method added here must
be added to both, and the contract test (tests/test_mailbox_contract.py) runs one scenario against the twin
and a real Dovecot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Protocol, Self

from inbox_bot.config.settings import MailboxSettings
from inbox_bot.core.models import RawMail
from inbox_bot.sources.imap_values import FETCH_PART, FolderState, MessageMeta


class Sink(Protocol):
    """Where a large mail is written as it is fetched (the poller gives a file of the store's spool)."""

    def write(self, data: bytes, /) -> int: ...


class Mailbox(Protocol):
    """One session with one mailbox. Every server or network failure comes out as a MailboxError."""

    def connect(self) -> Self:
        """Open and log in; again after a failure, reconnect."""
        ...

    def close(self) -> None:
        """Log out; never raises."""
        ...

    def quiet(self) -> bool:
        """True when the open folder reports no change since it was selected (one NOOP)."""
        ...

    def status(self, folder: str | None = None) -> FolderState:
        """UIDVALIDITY, UIDNEXT and count of a folder (the configured one) without opening it."""
        ...

    def select(self, folder: str | None = None) -> FolderState:
        """Open a folder (the configured one)."""
        ...

    def new_uids(self, known_max_uid: int | None, known: AbstractSet[int] | None = None) -> list[int]:
        """UIDs above `known_max_uid` (all when None) and not in `known`, ascending; after status()/select()."""
        ...

    def fetch_meta(self, uids: Iterable[int]) -> dict[int, MessageMeta]:
        """Size, INTERNALDATE, flags (and Gmail's id) of mails of the selected folder; vanished UIDs absent."""
        ...

    def fetch_bodies(self, uids: Iterable[int], batch: int = 10) -> Iterator[tuple[int, bytes]]:
        """(uid, raw bytes) in UID order without setting \\Seen; vanished UIDs skipped."""
        ...

    def fetch_into(self, uid: int, sink: Sink, part: int = FETCH_PART) -> int | None:
        """Write one mail into `sink` in partial FETCHes of `part` bytes, never holding it whole, without setting
        \\Seen; the bytes written, or None when the UID vanished."""
        ...

    def raw_mail(self, uid: int, raw: bytes, meta: MessageMeta | None = None) -> RawMail:
        """The pipeline's RawMail for a mail of the selected folder."""
        ...

    def move_many(self, uids: Iterable[int], folder: str) -> None:
        """Move mails of the selected folder into `folder`, which exists (ensure_folder)."""
        ...

    def ensure_folder(self, name: str) -> str:
        """Create `name` and its missing parents; return the name to move into."""
        ...

    def find_message_id(self, message_id: str) -> list[int]:
        """UIDs in the selected folder whose Message-ID contains `message_id` (ValueError if unsafe)."""
        ...


# Builds the (not yet connected) mailbox a poller polls; the daemon's default reads the secret and opens IMAP.
MailboxFactory = Callable[[MailboxSettings], Mailbox]


class Waiter(Protocol):
    """A second session with one mailbox that only waits for news (IMAP IDLE: sources/imap_idle.py)."""

    def connect(self) -> Self:
        """Open and log in."""
        ...

    def close(self) -> None:
        """Leave IDLE and log out; never raises."""
        ...

    @property
    def has_idle(self) -> bool:
        """The server offers IDLE (known once connected)."""
        ...

    def begin(self) -> None:
        """Open the configured folder read-only and start waiting."""
        ...

    def wait(self, seconds: float) -> bool:
        """Wait up to `seconds`: True when the server announced new mail."""
        ...

    def renew(self) -> bool:
        """Stop waiting and start again, before the server's timeout: True when news came meanwhile."""
        ...


# Builds the (not yet connected) waiter of a mailbox; the daemon's default reads the secret and opens IMAP.
WaiterFactory = Callable[[MailboxSettings], Waiter]


if TYPE_CHECKING:  # mypy holds both adapters to the protocol; nothing runs here
    from inbox_bot.sources.imap import ImapMailbox
    from inbox_bot.sources.imap_idle import ImapIdle
    from inbox_bot.sources.memory_mailbox import MemoryMailbox

    def _adapters(imap: ImapMailbox, twin: MemoryMailbox, idle: ImapIdle) -> tuple[Mailbox, Mailbox, Waiter]:
        return imap, twin, idle
