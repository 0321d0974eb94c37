"""An in-memory twin of an IMAP server, for the fast test tier: poll, filing and ledger logic without a server.

`MemoryServer` is one account's folders and the server's rules a poll relies on: UIDs only grow and are never
reused, a UIDVALIDITY change renumbers every mail, MOVE exists only when the capabilities say so, creating a
folder may be refused. Failures are injected by command: the connection drops at the Nth command, or a
command is answered NO. `MemoryMailbox` (sources/memory_mailbox.py) is a session with it, implementing the
`Mailbox` protocol, so a poller is given it in place of `ImapMailbox`.

A twin, never a substitute: the IMAP adapter is tested against a real Dovecot, and the contract test
(tests/test_mailbox_contract.py) runs one scenario against both so the twin cannot drift from a real server.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime

from inbox_bot.core.errors import MailboxError

DELIMITER = "/"
DOVECOT_LIKE = frozenset({"IMAP4REV1", "MOVE", "UIDPLUS", "UNSELECT"})
GMAIL_LIKE = DOVECOT_LIKE | {"X-GM-EXT-1"}


@dataclass
class StoredMail:
    raw: bytes
    internaldate: datetime
    flags: set[str] = field(default_factory=set)
    gm_msgid: int | None = None


@dataclass
class Folder:
    uidvalidity: int
    uidnext: int = 1
    mails: dict[int, StoredMail] = field(default_factory=dict)
    changes: int = 0  # bumped by every change a NOOP would report

    def add(self, mail: StoredMail) -> int:
        uid, self.uidnext = self.uidnext, self.uidnext + 1
        self.mails[uid] = mail
        self.changes += 1
        return uid


@dataclass
class _Drop:
    command: str | None  # None: any command
    countdown: int


@dataclass
class _Refusal:
    command: str
    text: str
    times: int


class MemoryServer:
    """One account's folders. Tests arrange mail and failures here and look at the outcome here."""

    def __init__(self, *, capabilities: AbstractSet[str] = DOVECOT_LIKE, uidvalidity: int = 1000) -> None:
        self.capabilities = frozenset(c.upper() for c in capabilities)
        self.folders: dict[str, Folder] = {}
        self.log: list[str] = []  # every command, as "COMMAND argument"
        self.refuse_create: set[str] = set()  # folders the account may not create
        self._next_uidvalidity = uidvalidity
        self._drop: _Drop | None = None
        self._refusals: list[_Refusal] = []
        self.create_folder("INBOX")

    # ---------------------------------------------------------- arranging

    def create_folder(self, name: str) -> Folder:
        if name not in self.folders:
            self.folders[name] = Folder(self._new_uidvalidity())
        return self.folders[name]

    def append(
        self,
        folder: str,
        raw: bytes,
        *,
        internaldate: datetime | None = None,
        flags: Iterable[str] = (),
        gm_msgid: int | None = None,
    ) -> int:
        """Deliver a mail as the server's MTA would; its UID."""
        when = (internaldate or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        return self.create_folder(folder).add(StoredMail(raw, when, set(flags), gm_msgid))

    def change_uidvalidity(self, folder: str = "INBOX") -> tuple[int, int]:
        """The server lost its index: a new UIDVALIDITY and every mail renumbered from 1. (old, new)."""
        old = self.folders[folder]
        new = Folder(self._new_uidvalidity(), changes=old.changes + 1)
        for mail in old.mails.values():
            new.add(mail)
        self.folders[folder] = new
        return old.uidvalidity, new.uidvalidity

    def expunge(self, folder: str, uids: Iterable[int]) -> None:
        """Someone else deleted these mails."""
        box = self.folders[folder]
        for uid in uids:
            box.mails.pop(uid, None)
        box.changes += 1

    def drop_at(self, number: int, command: str | None = None) -> None:
        """The connection drops at the Nth command from now (1: the next one), or the Nth `command`."""
        self._drop = _Drop(command.upper() if command else None, number)

    def refuse(self, command: str, text: str = "[CANNOT] refused", *, times: int = 1) -> None:
        """The next `times` COMMANDs (e.g. "MOVE", "SELECT", "CREATE") are answered NO `text`."""
        self._refusals.append(_Refusal(command.upper(), text, times))

    # ---------------------------------------------------------- looking

    def uids(self, folder: str) -> list[int]:
        return sorted(self.folders[folder].mails) if folder in self.folders else []

    def raws(self, folder: str) -> list[bytes]:
        return [self.folders[folder].mails[uid].raw for uid in self.uids(folder)]

    def flags(self, folder: str, uid: int) -> set[str]:
        return set(self.folders[folder].mails[uid].flags)

    def uidvalidity(self, folder: str = "INBOX") -> int:
        return self.folders[folder].uidvalidity

    def commands(self, name: str) -> list[str]:
        """The logged commands named `name` (e.g. "EXPUNGE"), with their arguments."""
        return [line for line in self.log if line.split(" ", 1)[0] == name]

    # ---------------------------------------------------------- answering

    def command(self, name: str, argument: str = "") -> None:
        """Count and log one command; raise what the test arranged for it."""
        self.log.append(f"{name} {argument}".rstrip())
        drop = self._drop
        if drop is not None and drop.command in (None, name):
            drop.countdown -= 1
            if drop.countdown <= 0:
                self._drop = None
                raise ConnectionDropped("connection lost (the server hung up)")
        for refusal in self._refusals:
            if refusal.command == name and refusal.times > 0:
                refusal.times -= 1
                raise MailboxError(f"the server said: NO {refusal.text}")

    def _new_uidvalidity(self) -> int:
        self._next_uidvalidity += 1
        return self._next_uidvalidity


class ConnectionDropped(MailboxError):
    """The server hung up: the session must reconnect."""
