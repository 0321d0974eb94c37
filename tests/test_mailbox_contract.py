"""The contract between the in-memory twin and a real server: one scenario, two sides, one expected outcome.

Each scenario runs the real poller against the twin (sources/memory.py) and against the suite's Dovecot,
and both must show the outcome written here: what the polls report, where each mail is on the server, what
the ledger says and which commands were sent. A twin that drifts from what Dovecot does fails here first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

import pytest
from pydantic import SecretStr

from inbox_bot.config.secrets import Credential
from inbox_bot.config.settings import MailboxSettings
from inbox_bot.daemon.poll_report import PollReport
from inbox_bot.sources.imap import ImapMailbox
from inbox_bot.sources.mailbox import Mailbox
from inbox_bot.sources.memory import MemoryServer
from inbox_bot.sources.memory_mailbox import MemoryMailbox
from inbox_bot.storage.store import Store
from tests.dovecot import HOST, DovecotServer, MailUser
from tests.pollkit import INCOMPLETE, application, mail_count, poller, received, spam

# The commands whose counts both sides must agree on (LIST/CREATE differ by design: the twin knows its delimiter).
COMMANDS = ("STATUS", "SELECT", "UNSELECT", "NOOP", "SEARCH", "FETCH", "MOVE", "COPY", "STORE", "EXPUNGE")


Counted = ImapMailbox | MemoryMailbox  # both count the commands they send in .stats


class Side(Protocol):
    def deliver(self, raw: bytes, when: datetime) -> int: ...
    def expunge(self, uids: list[int]) -> None: ...
    def raws(self, folder: str) -> list[bytes]: ...
    def seen(self, folder: str) -> list[bool]: ...
    def change_uidvalidity(self) -> None: ...
    def mailbox(self, box: MailboxSettings, *, allow_move: bool) -> Counted: ...


class Twin:
    def __init__(self) -> None:
        self.server = MemoryServer()

    def deliver(self, raw: bytes, when: datetime) -> int:
        return self.server.append("INBOX", raw, internaldate=when)

    def expunge(self, uids: list[int]) -> None:
        self.server.expunge("INBOX", uids)

    def raws(self, folder: str) -> list[bytes]:
        return self.server.raws(folder)

    def seen(self, folder: str) -> list[bool]:
        return ["\\Seen" in self.server.flags(folder, uid) for uid in self.server.uids(folder)]

    def change_uidvalidity(self) -> None:
        self.server.change_uidvalidity("INBOX")

    def mailbox(self, box: MailboxSettings, *, allow_move: bool) -> Counted:
        return MemoryMailbox(self.server, box.name, box.folder, allow_move=allow_move)


class Dovecot:
    def __init__(self, server: DovecotServer, user: MailUser) -> None:
        self.server, self.user = server, user

    def deliver(self, raw: bytes, when: datetime) -> int:
        return self.server.append(self.user, "INBOX", raw, internaldate=when)

    def expunge(self, uids: list[int]) -> None:
        self.server.expunge(self.user, "INBOX", uids)

    def raws(self, folder: str) -> list[bytes]:
        if folder not in self.server.folders(self.user):
            return []
        with self.server.connect(self.user) as client:
            client.select_folder(folder, readonly=True)
            bodies = client.fetch(client.search("ALL"), [b"BODY.PEEK[]"])
            return [bytes(bodies[uid][b"BODY[]"]) for uid in sorted(bodies)]

    def seen(self, folder: str) -> list[bool]:
        return [b"\\Seen" in self.server.flags(self.user, folder, uid) for uid in self.server.uids(self.user, folder)]

    def change_uidvalidity(self) -> None:
        self.server.change_uidvalidity(self.user)

    def mailbox(self, box: MailboxSettings, *, allow_move: bool) -> Counted:
        on_dovecot = {"host": HOST, "port": self.server.port, "security": "none", "username": self.user.name}
        settings = MailboxSettings.model_validate(
            {**box.model_dump(), **on_dovecot, "connect_timeout": 5, "read_timeout": 10}
        )
        return ImapMailbox(settings, Credential(SecretStr(self.user.password)), allow_move=allow_move)


@pytest.fixture(params=["twin", pytest.param("dovecot", marks=pytest.mark.imap)])
def side(request: pytest.FixtureRequest) -> Side:
    if request.param == "twin":
        return Twin()
    return Dovecot(request.getfixturevalue("dovecot"), request.getfixturevalue("mail_user"))


@dataclass
class Run:
    side: Side
    store: Store
    allow_move: bool = True

    def __post_init__(self) -> None:
        self.mailboxes: list[Counted] = []
        self.poller = poller(self.store, self._mailbox)

    def _mailbox(self, box: MailboxSettings) -> Mailbox:
        self.mailboxes.append(self.side.mailbox(box, allow_move=self.allow_move))
        return self.mailboxes[-1]

    def poll(self) -> tuple[int, int, int, int, int]:
        report: PollReport = self.poller.poll()
        return report.new, report.recorded, report.linked, report.filed, len(report.errors)

    def commands(self) -> dict[str, int]:
        counted = {name: sum(m.stats.commands[name] for m in self.mailboxes) for name in COMMANDS}
        return {name: count for name, count in counted.items() if count}


@pytest.fixture
def run(side: Side, store: Store) -> Iterator[Run]:
    running = Run(side, store)
    yield running
    running.poller.close()


def outcome(run: Run) -> dict[str, object]:
    states = [row["state"] for row in run.store.db.query("select state from ledger order by id")]
    return {
        "inbox": run.side.raws("INBOX"),
        "filed": run.side.raws(INCOMPLETE),
        "seen": run.side.seen(INCOMPLETE),
        "ledger": states,
        "mails": mail_count(run.store),
    }


def test_new_mail_filed_then_idle(run: Run) -> None:
    # GIVEN a spam and two applications
    run.side.deliver(spam(), received(0))
    for n in (1, 2):
        run.side.deliver(application(n), received(n))
    # WHEN the mailbox is polled, a third application arrives, and it is polled twice more
    reports = [run.poll()]
    run.side.deliver(application(3), received(3))
    reports += [run.poll(), run.poll()]
    # THEN both sides show the same reports, folders, ledger and commands
    assert reports == [(3, 3, 0, 2, 0), (1, 1, 0, 1, 0), (0, 0, 0, 0, 0)]
    assert outcome(run) == {
        "inbox": [spam()],
        "filed": [application(1), application(2), application(3)],
        "seen": [False, False, False],
        "ledger": ["left", "filed", "filed", "filed"],
        "mails": 4,
    }
    assert run.commands() == {"STATUS": 2, "UNSELECT": 1, "SELECT": 6, "NOOP": 2, "SEARCH": 2, "FETCH": 6, "MOVE": 2}


def test_without_move_copy_flag_and_uid_expunge(side: Side, store: Store) -> None:
    # GIVEN two applications, and a poller told not to use MOVE
    run = Run(side, store, allow_move=False)
    for n in (1, 2):
        side.deliver(application(n), received(n))
    # WHEN the mailbox is polled
    try:
        report = run.poll()
    finally:
        run.poller.close()
    # THEN the mails are filed by COPY, \Deleted and UID EXPUNGE, on both sides alike
    assert report == (2, 2, 0, 2, 0)
    assert outcome(run) == {
        "inbox": [],
        "filed": [application(1), application(2)],
        "seen": [False, False],
        "ledger": ["filed", "filed"],
        "mails": 2,
    }
    assert run.commands() == {"STATUS": 1, "SELECT": 3, "SEARCH": 1, "FETCH": 3, "COPY": 1, "STORE": 1, "EXPUNGE": 1}


def test_uidvalidity_change_links_what_was_read(run: Run, tmp_path: Path) -> None:
    # GIVEN a spam left in the inbox and an application filed
    run.side.deliver(spam(), received(0))
    run.side.deliver(application(1), received(1))
    first = run.poll()
    # WHEN the inbox gets a new UIDVALIDITY and another application arrives
    run.side.change_uidvalidity()
    run.side.deliver(application(2), received(2))
    second = run.poll()
    # THEN the spam is linked, not recorded again; the new application is recorded and filed
    assert (first, second) == ((2, 2, 0, 1, 0), (2, 1, 1, 1, 0))
    assert outcome(run) == {
        "inbox": [spam()],
        "filed": [application(1), application(2)],
        "seen": [False, False],
        "ledger": ["left", "filed", "left", "filed"],
        "mails": 3,
    }
    # Dovecot hangs up on the session that had the inbox open: the poll reconnects and goes on.
    assert len(run.mailboxes) == 2
    assert run.commands() == {"STATUS": 2, "SELECT": 6, "NOOP": 1, "SEARCH": 2, "FETCH": 6, "MOVE": 2}


def test_a_deleted_uid_is_never_given_again(run: Run) -> None:
    # GIVEN two applications, the last of which someone deletes before any poll
    first = run.side.deliver(application(1), received(1))
    gone = run.side.deliver(application(2), received(2))
    run.side.expunge([gone])
    # WHEN a third arrives and the mailbox is polled
    third = run.side.deliver(application(3), received(3))
    report = run.poll()
    # THEN the new mail has a UID above the deleted one, and only the two present are read
    assert (first, gone, third) == (1, 2, 3)
    assert report == (2, 2, 0, 2, 0)
    assert outcome(run)["filed"] == [application(1), application(3)]
