"""Recording a mail: one unit of work for the mail, its ledger row and its reply; one log line per mail."""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from inbox_bot.config.settings import load_settings
from inbox_bot.core.states import LedgerState
from inbox_bot.daemon.recording import LedgerEntry, Origin, record_triaged
from inbox_bot.daemon.scheduler import Daemon
from inbox_bot.sources.files import raw_mail
from inbox_bot.storage.ledger import Place, SeenUid
from inbox_bot.storage.outbox_rows import ReplyRow
from inbox_bot.storage.store import Store, utc_now
from inbox_bot.triage.pipeline import Pipeline
from tests.dovecot import DovecotServer, MailUser
from tests.test_daemon import application, write_config
from tests.values import RULES

ROOT = Path(__file__).resolve().parents[1]
CHARGE = "omp-charge-projet-2026"


def counts(store: Store) -> dict[str, int]:
    tables = ("mails", "documents", "events", "ledger", "outbox", "attempts")
    return {t: int(store.db.execute(f"select count(*) from {t}").fetchone()[0]) for t in tables}  # noqa: S608


def test_a_mail_its_ledger_row_and_its_reply_commit_together_or_not_at_all(tmp_path: Path) -> None:
    # GIVEN a triaged mail, read from an IMAP folder, whose reply cannot be written (no message bytes)
    store = Store(tmp_path / "db.sqlite", tmp_path / "storage")
    raw = raw_mail("imap:ngo/INBOX/7", application(1))
    store.begin_attempt(raw.sha256, raw.source)
    triaged = Pipeline(RULES).triage(raw, store)
    entry = LedgerEntry(Place("ngo", "INBOX"), SeenUid(uidvalidity=1, uid=7, size=len(raw.raw)))
    broken = {"kind": "receipt", "call": CHARGE, "applicant": "a@b.ma", "mail_from": "x@y.ma", "rcpt": ["a@b.ma"]}
    reply = ReplyRow({**broken, "message_id": "<r@y.ma>", "subject": "s", "message": None}, timedelta(0), utc_now())
    # WHEN the last write of its unit of work fails
    with pytest.raises(sqlite3.IntegrityError):
        record_triaged(store, triaged, Origin("ngo", "INBOX"), ledger=entry, reply=reply)
    # THEN nothing of it is kept, and the try is still counted
    assert counts(store) == {"mails": 0, "documents": 0, "events": 0, "ledger": 0, "outbox": 0, "attempts": 1}
    # WHEN it is recorded with a reply that can be written
    reply = ReplyRow({**broken, "message_id": "<r@y.ma>", "subject": "s", "message": b"x"}, timedelta(0), utc_now())
    mail_id = record_triaged(store, triaged, Origin("ngo", "INBOX"), ledger=entry, reply=reply)
    # THEN the mail, its documents, its events, its ledger row and its reply are all there; the tries are over
    found = counts(store)
    assert (found["mails"], found["ledger"], found["outbox"], found["attempts"]) == (1, 1, 1, 0)
    assert found["documents"] == len(triaged.result.documents) > 0
    assert [e["kind"] for e in store.events(mail_id)] == ["decision", "reply_queued"]
    ledger = store.db.execute("select state, mail_id, uid from ledger").fetchall()
    assert ledger == [(LedgerState.RECORDED.value, mail_id, 7)]
    store.close()


def test_a_mail_from_a_folder_source_logs_one_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    inbox = tmp_path / "drop box"  # a path with a space: quoted, so it stays one value
    inbox.mkdir()
    (inbox / "one.eml").write_bytes(application(1))
    config = tmp_path / "inbox-bot.toml"
    config.write_text(
        f'rules_dir = "{ROOT / "rules"}"\ndatabase = "var/db.sqlite"\nstorage = "var/storage"\n'
        f'[[sources]]\nname = "drop"\npath = "{inbox}"\n',
        encoding="utf-8",
    )
    daemon = Daemon(load_settings(config))
    try:
        with caplog.at_level(logging.INFO, logger="inbox_bot"):
            daemon.run_once()
            daemon.run_once()  # already recorded: no second line
    finally:
        daemon.close()
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("mail recorded")]
    assert lines == [f'mail recorded mailbox=drop folder="{inbox}" id=1 call={CHARGE} verdict=incomplete']


def test_a_mail_from_an_imap_poll_logs_one_line(
    tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser, caplog: pytest.LogCaptureFixture
) -> None:
    dovecot.append_many(mail_user, "INBOX", [application(1), application(2)])
    daemon = Daemon(load_settings(write_config(tmp_path, dovecot, {"ngo": mail_user})))
    try:
        with caplog.at_level(logging.INFO, logger="inbox_bot"):
            daemon.poll_mailbox("ngo")
    finally:
        daemon.close()
    records = [r for r in caplog.records if r.getMessage().startswith("mail recorded")]
    assert [r.levelno for r in records] == [logging.INFO, logging.INFO]
    assert [r.getMessage() for r in records] == [
        f"mail recorded mailbox=ngo folder=INBOX id={n} call={CHARGE} verdict=incomplete" for n in (1, 2)
    ]
