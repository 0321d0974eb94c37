"""A mail follows its verdict on the server: a person's override (or a re-triage, or a command by mail) of a
mail already filed moves it at the next poll from the folder it was filed into to its new one; a mail left in
the inbox that now has somewhere to go is filed. On every real server of the suite (delimiters, prefixes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from inbox_bot.cli.main import main
from inbox_bot.core.models import Verdict
from inbox_bot.storage import overrides
from inbox_bot.storage.ledger import Ledger, LedgerState, PendingFiling, Place, SeenUid, add_row
from tests import opkit
from tests.imapservers import ImapTestServer, MailUser
from tests.pollkit import application, spam
from tests.test_daemon import daemon_for, db_rows, write_config

imap = pytest.mark.imap
CALL = "inbox-bot/omp-charge-projet-2026"
REVIEW = "inbox-bot/sans-appel/needs_review"


def override(config: Path, mail: str, *options: str) -> None:
    args = ["--config", str(config), "override", mail, *options, "--note", "vu par la coordinatrice"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output


def poll(config: Path) -> tuple[int, int]:
    daemon = daemon_for(config)
    try:
        report = daemon.poll_mailbox("ngo")
    finally:
        daemon.close()
    assert report is not None and not report.errors, report
    return report.new, report.filed


@imap
def test_an_overridden_mail_moves_to_its_new_folder_and_back_when_the_override_is_undone(
    tmp_path: Path, any_server: ImapTestServer, any_user: MailUser
) -> None:
    any_server.append_many(any_user, "INBOX", [application(1), application(2), spam()])
    config = write_config(tmp_path, any_server, {"ngo": any_user})  # type: ignore[arg-type]

    def where() -> dict[str, int]:
        """How many mails each folder holds; a folder not created yet holds none."""
        there = set(any_server.folders(any_user))
        folders = ("INBOX", f"{CALL}/incomplete", f"{CALL}/complete", REVIEW)
        native = {f: any_server.native(f) for f in folders}
        return {f: len(any_server.uids(any_user, name)) for f, name in native.items() if name in there}

    assert poll(config) == (3, 2)
    assert where() == {"INBOX": 1, f"{CALL}/incomplete": 2}

    override(config, "1", "--verdict", "complete")  # the committee accepts the first dossier as it is
    override(config, "3", "--verdict", "needs_review")  # the mail no call claimed: a person will look at it
    assert poll(config) == (0, 2)
    assert where() == {"INBOX": 0, f"{CALL}/incomplete": 1, f"{CALL}/complete": 1, REVIEW: 1}
    assert poll(config) == (0, 0), "moved once, never again"
    assert db_rows(tmp_path, "select filed_folder, filed_verdict, refile from ledger where mail_id = 1") == [
        (f"{CALL}/complete", "complete", None)
    ]

    override(config, "1", "--clear")  # back to the rules: incomplete again, and back in its folder
    assert poll(config) == (0, 1)
    assert where()[f"{CALL}/incomplete"] == 2 and where()[f"{CALL}/complete"] == 0
    assert db_rows(tmp_path, "select count(*) from ledger where refile = 1") == [(0,)]


@imap
def test_a_mail_moved_by_a_person_is_not_looked_for_forever(
    tmp_path: Path, any_server: ImapTestServer, any_user: MailUser
) -> None:
    any_server.append_many(any_user, "INBOX", [application(1)])
    config = write_config(tmp_path, any_server, {"ngo": any_user})  # type: ignore[arg-type]
    assert poll(config) == (1, 1)
    filed = any_server.native(f"{CALL}/incomplete")
    any_server.expunge(any_user, filed, any_server.uids(any_user, filed))  # she deleted it in her mail client
    override(config, "1", "--verdict", "complete")
    assert poll(config) == (0, 0)
    assert db_rows(tmp_path, "select state, refile from ledger where mail_id = 1") == [("gone", None)]


def test_an_override_that_comes_between_reading_the_verdict_and_the_move_is_not_lost(tmp_path: Path) -> None:
    store = opkit.open_store(opkit.write_config(tmp_path))
    mail_id = opkit.record(store, "karim@example.ma", verdict=Verdict.INCOMPLETE)
    with store.transaction():
        add_row(store, Place("ngo", "INBOX"), SeenUid(7, 1), state=LedgerState.RECORDED, mail_id=mail_id)
    ledger = Ledger(store, "ngo", "INBOX")
    [pending] = ledger.pending_filings(7)
    assert isinstance(pending, PendingFiling) and pending.verdict == "incomplete"
    with store.transaction():  # the coordinator's override, while the poll was moving the mail by the old verdict
        overrides.set_verdict(store, mail_id, Verdict.COMPLETE, [])
    ledger.mark(pending.ledger_id, LedgerState.FILED, folder=f"{CALL}/incomplete", filing=pending)
    [refiling] = ledger.refilings(7, opkit.day(30))
    assert (refiling.filing.verdict, refiling.filed_folder) == ("complete", f"{CALL}/incomplete")
