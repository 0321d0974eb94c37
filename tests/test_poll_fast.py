"""The fast tier: poll, filing and ledger logic against the in-memory IMAP twin, no server started.

The same logic runs against a real Dovecot in test_daemon.py (the real tier), and test_mailbox_contract.py
holds the twin to what Dovecot does. Each scenario reads GIVEN / WHEN / THEN.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

import pytest

from inbox_bot.config.settings import Settings
from inbox_bot.core.errors import MailboxError
from inbox_bot.core.models import Verdict
from inbox_bot.core.reasons import Action, Cause
from inbox_bot.daemon.poller import FULL_CHECK_EVERY, MailboxPoller
from inbox_bot.daemon.scheduler import Daemon
from inbox_bot.operator.overrides import override
from inbox_bot.sources.memory import MemoryServer
from inbox_bot.sources.memory_mailbox import MemoryMailbox
from inbox_bot.storage import failures
from inbox_bot.storage.rows import utc_now
from inbox_bot.storage.store import Store
from tests.pollkit import (
    INCOMPLETE,
    application,
    ledger_states,
    mail_count,
    mailbox_settings,
    poller,
    received,
    spam,
)
from tests.values import RULES

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
REJECTED = "inbox-bot/omp-charge-projet-2026/rejected"  # a person's verdict, by the default template
NO_MOVE = frozenset({"IMAP4REV1", "UIDPLUS", "UNSELECT"})


def deliver(server: MemoryServer, numbers: Iterable[int]) -> list[int]:
    return [server.append("INBOX", application(n), internaldate=received(n)) for n in numbers]


def on(server: MemoryServer, store: Store, *, batch_size: int = 50, allow_move: bool = True) -> MailboxPoller:
    return poller(
        store,
        lambda box: MemoryMailbox(server, box.name, box.folder, allow_move=allow_move),
        mailbox_settings(batch_size=batch_size),
    )


def restarted(store: Store, tmp_path: Path) -> Store:
    """The process died: its store is gone, a new one opens the same files."""
    store.close()
    return Store(tmp_path / "db.sqlite", tmp_path / "storage")


class Crash(BaseException):
    """The process dying: not an Exception, so nothing on the way catches it."""


def test_new_mail_is_recorded_then_filed(memory_server: MemoryServer, store: Store) -> None:
    # GIVEN two applications and a spam in the inbox
    deliver(memory_server, [1, 2])
    memory_server.append("INBOX", spam(), internaldate=received(3))
    # WHEN the mailbox is polled
    report = on(memory_server, store).poll()
    # THEN all three are recorded, the applications filed, the spam left where it is, nothing marked read
    assert (report.new, report.recorded, report.filed, report.errors) == (3, 3, 2, [])
    assert memory_server.raws("INBOX") == [spam()]
    assert memory_server.raws(INCOMPLETE) == [application(1), application(2)]
    assert all(memory_server.flags(INCOMPLETE, uid) == set() for uid in memory_server.uids(INCOMPLETE))
    assert ledger_states(store) == [(1, "filed"), (2, "filed"), (3, "left")]
    assert mail_count(store) == 3


def test_a_second_poll_is_a_no_op(memory_server: MemoryServer, store: Store) -> None:
    # GIVEN a mailbox polled once
    deliver(memory_server, [1, 2])
    polling = on(memory_server, store)
    polling.poll()
    assert isinstance(polling.imap, MemoryMailbox)
    downloaded, logged = polling.imap.stats.body_bytes, len(memory_server.log)
    # WHEN it is polled again with nothing new
    report = polling.poll()
    # THEN nothing is read, recorded or filed: one NOOP on the folder left open
    assert (report.new, report.recorded, report.filed) == (0, 0, 0)
    assert polling.imap.stats.body_bytes == downloaded
    assert memory_server.log[logged:] == ["NOOP"]
    assert mail_count(store) == 2


def test_mail_arriving_after_an_idle_poll_is_read(memory_server: MemoryServer, store: Store) -> None:
    # GIVEN a mailbox polled once, its folder left open
    deliver(memory_server, [1])
    polling = on(memory_server, store)
    polling.poll()
    # WHEN a mail arrives and the mailbox is polled
    deliver(memory_server, [2])
    report = polling.poll()
    # THEN the NOOP saw the change: only the new mail is read
    assert (report.new, report.recorded, report.filed) == (1, 1, 1)
    assert ledger_states(store) == [(1, "filed"), (2, "filed")]


def test_uidvalidity_change_relinks_by_content_and_records_nothing_twice(
    memory_server: MemoryServer, store: Store
) -> None:
    # GIVEN a spam left in the inbox and an application filed
    memory_server.append("INBOX", spam())
    deliver(memory_server, [1])
    polling = on(memory_server, store)
    polling.poll()
    # WHEN the server renumbers the inbox (new UIDVALIDITY) and a new application arrives
    old, new = memory_server.change_uidvalidity("INBOX")
    deliver(memory_server, [2])
    report = polling.poll()
    # THEN the spam is linked to its stored copy by content, the new mail recorded and filed
    assert old != new
    assert (report.new, report.recorded, report.linked, report.filed) == (2, 1, 1, 1)
    assert mail_count(store) == 3
    rows = list(store.db.query("select uidvalidity, uid, state from ledger order by id"))
    assert [(r["uidvalidity"], r["uid"], r["state"]) for r in rows] == [
        (old, 1, "left"),
        (old, 2, "filed"),
        (new, 1, "left"),
        (new, 2, "filed"),
    ]
    assert memory_server.raws(INCOMPLETE) == [application(1), application(2)]


def test_a_refused_move_is_filed_by_a_later_poll(memory_server: MemoryServer, store: Store) -> None:
    # GIVEN two applications, and a server that answers the first MOVE with NO
    deliver(memory_server, [1, 2])
    memory_server.refuse("MOVE", "[INUSE] try again")
    polling = on(memory_server, store)
    # WHEN the mailbox is polled
    first = polling.poll()
    # THEN both are recorded and wait, still in the inbox, to be filed
    assert (first.recorded, first.filed) == (2, 0) and "INUSE" in first.errors[0]
    assert ledger_states(store) == [(1, "recorded"), (2, "recorded")]
    assert len(memory_server.uids("INBOX")) == 2
    # AND the mailbox shows it: filing fails, with the server's cause, until it succeeds
    [problem] = failures.problems(store)["ngo"]
    assert (problem.action, problem.cause, problem.folder) == (Action.FILING, Cause.SERVER, INCOMPLETE)
    # WHEN it is polled on at once, a full check included: the failed rows wait out their back-off
    soon = [polling.poll() for _ in range(FULL_CHECK_EVERY + 1)]
    assert sum(r.filed for r in soon) == 0 and len(memory_server.commands("MOVE")) == 1
    # WHEN their time has come (5 minutes after a first failure), the next full check files them
    polling.filer.clock = lambda: utc_now() + timedelta(minutes=5, seconds=1)
    later = [polling.poll() for _ in range(FULL_CHECK_EVERY + 1)]
    # THEN they are filed once, never read again, and the mailbox is well again
    assert sum(r.filed for r in later) == 2 and sum(r.new for r in later) == 0
    assert ledger_states(store) == [(1, "filed"), (2, "filed")]
    assert memory_server.raws(INCOMPLETE) == [application(1), application(2)]
    assert failures.problems(store) == {}


def test_a_crash_between_recording_and_filing_files_exactly_once(
    memory_server: MemoryServer, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN two applications, and a process that dies right after the server moved them, before it wrote it down
    deliver(memory_server, [1, 2])

    def move_then_die(self: MemoryMailbox, uids: Iterable[int], folder: str) -> None:
        moving(self, uids, folder)
        raise Crash

    moving = MemoryMailbox.move_many
    monkeypatch.setattr(MemoryMailbox, "move_many", move_then_die)
    with pytest.raises(Crash):
        on(memory_server, store).poll()
    assert ledger_states(store) == [(1, "recorded"), (2, "recorded")]
    # WHEN the daemon restarts and polls
    monkeypatch.setattr(MemoryMailbox, "move_many", moving)
    store = restarted(store, tmp_path)
    try:
        report = on(memory_server, store).poll()
        # THEN it finds them already in their folder: filed once, nothing recorded twice
        assert (report.new, report.recorded) == (0, 0)
        assert ledger_states(store) == [(1, "filed"), (2, "filed")]
        assert mail_count(store) == 2
    finally:
        store.close()
    assert memory_server.raws(INCOMPLETE) == [application(1), application(2)]
    assert memory_server.uids("INBOX") == []


def test_without_move_only_our_own_uids_are_expunged(store: Store) -> None:
    # GIVEN a server without MOVE, and a mail another client marked \Deleted but has not expunged yet
    server = MemoryServer(capabilities=NO_MOVE)
    theirs = server.append("INBOX", spam(), flags={"\\Deleted"})
    ours = deliver(server, [1, 2])
    # WHEN the mailbox is polled
    report = on(server, store).poll()
    # THEN our mails are copied, flagged and expunged by UID; the other client's mail is untouched
    assert report.filed == 2
    assert server.commands("MOVE") == []
    assert server.commands("EXPUNGE") == [f"EXPUNGE {ours[0]},{ours[1]}"]
    assert server.uids("INBOX") == [theirs] and server.flags("INBOX", theirs) == {"\\Deleted"}
    assert server.raws(INCOMPLETE) == [application(1), application(2)]
    assert all(server.flags(INCOMPLETE, uid) == set() for uid in server.uids(INCOMPLETE))


def test_a_server_without_move_or_uidplus_gets_a_copy_and_a_flag_never_an_expunge(store: Store) -> None:
    # GIVEN a server with neither MOVE nor UIDPLUS (a plain EXPUNGE would erase others' deleted mail)
    server = MemoryServer(capabilities={"IMAP4REV1"})
    deliver(server, [1])
    # WHEN the mailbox is polled, twice
    polling = on(server, store)
    report, again = polling.poll(), polling.poll()
    # THEN the mail is copied to its folder once, and its original is only flagged: nothing is expunged
    assert (report.recorded, report.filed, report.errors) == (1, 1, [])
    assert (again.recorded, again.filed) == (0, 0)
    assert server.uids(INCOMPLETE) == [1] and server.uids("INBOX") == [1]
    assert "\\Deleted" in server.flags("INBOX", 1)
    assert server.commands("EXPUNGE") == [] and len(server.commands("COPY")) == 1


def test_a_refused_folder_creation_loses_nothing(memory_server: MemoryServer, store: Store) -> None:
    # GIVEN an account that may not create the filing folder (yet)
    deliver(memory_server, [1])
    memory_server.refuse_create.add(INCOMPLETE)
    polling = on(memory_server, store)
    # WHEN the mailbox is polled, then polled on once the folder may be created and the back-off is over
    first = polling.poll()
    assert [p.cause for p in failures.problems(store)["ngo"]] == [Cause.PERMISSION]
    memory_server.refuse_create.clear()
    polling.filer.clock = lambda: utc_now() + timedelta(minutes=6)
    later = [polling.poll() for _ in range(FULL_CHECK_EVERY + 1)]
    # THEN the mail waited in the inbox, recorded, and was filed once allowed
    assert (first.recorded, first.filed) == (1, 0) and "NOPERM" in first.errors[0]
    assert sum(r.filed for r in later) == 1 and sum(r.new for r in later) == 0
    assert memory_server.raws(INCOMPLETE) == [application(1)]


@pytest.mark.parametrize(("leave", "folder"), [([], REJECTED), (["rejected"], "INBOX")])
def test_a_mail_rejected_before_its_filing_goes_where_her_verdict_puts_it(
    memory_server: MemoryServer, store: Store, leave: list[str], folder: str
) -> None:
    # GIVEN an application recorded but not filed yet (the folder may not be created), then rejected by a person
    deliver(memory_server, [1])
    memory_server.refuse_create.add(INCOMPLETE)
    box = mailbox_settings().model_copy(update={"leave_verdicts": ["unmatched", "ignored", *leave]})
    polling = poller(store, lambda b: MemoryMailbox(memory_server, b.name, b.folder), box)
    assert polling.poll().filed == 0
    override(store, RULES, "A1", Verdict.REJECTED, [], "hors du champ de l'appel")
    # WHEN the filing is tried again
    polling.filer.clock = lambda: utc_now() + timedelta(minutes=6)
    for _ in range(FULL_CHECK_EVERY + 1):
        polling.poll()
    # THEN it is filed by her verdict, or stays where it is when that verdict is left in place
    assert memory_server.raws(folder) == [application(1)]
    assert ledger_states(store) == [(1, "filed" if folder == REJECTED else "left")]


def test_a_connection_dropped_mid_batch_loses_nothing(memory_server: MemoryServer, store: Store) -> None:
    # GIVEN seven applications read two per batch, and a connection that drops at the third body FETCH
    deliver(memory_server, range(7))
    memory_server.drop_at(3, "FETCH")  # FETCH 1: sizes of batch 1, 2: its bodies, 3: sizes of batch 2
    polling = on(memory_server, store, batch_size=2)
    # WHEN the mailbox is polled
    with pytest.raises(MailboxError, match="connection lost"):
        polling.poll()
    # THEN what was read before the drop is kept; the next poll reconnects and reads only the rest
    assert ledger_states(store) == [(1, "recorded"), (2, "recorded")]
    report = polling.poll()
    assert (report.new, report.recorded, report.filed) == (5, 5, 7)
    assert mail_count(store) == 7
    assert memory_server.uids("INBOX") == [] and len(memory_server.uids(INCOMPLETE)) == 7
    health = list(store.db.query("select failures, failing_since from mailbox_health where mailbox = 'ngo'"))
    assert [(row["failures"], row["failing_since"]) for row in health] == [(1, None)], "failing no more"


def test_a_connection_dropped_between_copy_and_expunge_files_one_copy(store: Store) -> None:
    # GIVEN a server without MOVE whose connection drops between COPY and EXPUNGE
    server = MemoryServer(capabilities=NO_MOVE)
    deliver(server, [1, 2])
    server.drop_at(1, "EXPUNGE")
    polling = on(server, store)
    # WHEN the mailbox is polled twice
    with pytest.raises(MailboxError):
        polling.poll()
    polling.poll()
    # THEN nothing is recorded twice, and the half-done filing is finished with one copy of each mail
    assert mail_count(store) == 2 and ledger_states(store) == [(1, "filed"), (2, "filed")]
    assert server.raws(INCOMPLETE) == [application(1), application(2)]


def test_the_daemon_polls_through_its_factory_and_survives_a_dropped_connection(
    memory_server: MemoryServer, tmp_path: Path
) -> None:
    # GIVEN a daemon whose one mailbox is the twin, and a connection that drops at the first body FETCH
    settings = Settings(
        rules_dir=RULES_DIR,
        database=tmp_path / "var" / "db.sqlite",
        storage=tmp_path / "var" / "storage",
        mailboxes=[mailbox_settings()],
    )
    daemon = Daemon(settings, mailboxes=lambda box: MemoryMailbox(memory_server, box.name, box.folder))
    deliver(memory_server, [1, 2])
    memory_server.drop_at(2, "FETCH")
    try:
        # WHEN it polls twice
        failed = daemon.poll_mailbox("ngo")
        report = daemon.poll_mailbox("ngo")
    finally:
        daemon.close()
    # THEN the first poll fails in one line naming the mailbox, the second reads and files everything
    assert failed is None and "connection lost" in daemon.last_errors["ngo"]
    assert report is not None and (report.recorded, report.filed) == (2, 2)
    assert memory_server.raws(INCOMPLETE) == [application(1), application(2)]
