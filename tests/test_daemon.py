"""The daemon on a real Dovecot: incremental polls, filing, UIDVALIDITY, failures and crashes."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from inbox_bot.cli.main import main
from inbox_bot.config.settings import load_settings
from inbox_bot.daemon.scheduler import Daemon, RulesWatcher
from inbox_bot.triage.parse import topmost_received_time
from tests.dovecot import DovecotServer, MailUser
from tests.imapservers import ImapTestServer
from tests.mailbuilder import MessageBuilder
from tests.pollkit import CHARGE, application
from tests.smtpd import SmtpServer

pytestmark = pytest.mark.imap

ROOT = Path(__file__).resolve().parents[1]
INBOX = ROOT / "examples" / "inbox"
EXPECTED = json.loads((ROOT / "examples" / "expected.json").read_text(encoding="utf-8"))


def open_rules(tmp_path: Path) -> Path:
    """The shipped rules, with the project officer call still open: mails appended now are on time."""
    rules = tmp_path / "rules"
    rules.mkdir(exist_ok=True)
    for path in (ROOT / "rules").glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        if path.stem == "omp-charge-projet-2026":
            text = text.replace("local = 2026-05-04T16:00:00", "local = 2030-05-04T16:00:00")
        (rules / path.name).write_text(text, encoding="utf-8")
    return rules


def write_config(
    tmp_path: Path,
    dovecot: ImapTestServer,
    users: dict[str, MailUser],
    *,
    extra: str = "",
    rules: Path | None = None,
    top: str = "",
) -> Path:
    rules = rules or open_rules(tmp_path)
    boxes = ""
    for name, user in users.items():
        variable = f"INBOX_BOT_TEST_PASSWORD_{name.upper().replace('-', '_')}"
        os.environ[variable] = user.password
        boxes += (
            f'[[mailboxes]]\nname = "{name}"\nhost = "127.0.0.1"\nport = {dovecot.port}\nsecurity = "none"\n'
            f'username = "{user.name}"\npassword_env = "{variable}"\npoll_every = "1s"\nbatch_size = 20\n'
            f'connect_timeout = "5s"\nread_timeout = "10s"\n{extra}\n'
        )
    config = tmp_path / "inbox-bot.toml"
    config.write_text(
        f'rules_dir = "{rules}"\ndatabase = "var/db.sqlite"\nstorage = "var/storage"\n{top}\n{boxes}', encoding="utf-8"
    )
    return config


def daemon_for(config: Path) -> Daemon:
    return Daemon(load_settings(config))


def db_rows(tmp_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(tmp_path / "var" / "db.sqlite") as db:
        return db.execute(sql).fetchall()


def deliver_samples(any_server: ImapTestServer, user: MailUser) -> None:
    """The sample inbox as its server received it: INTERNALDATE is the topmost Received time."""
    for path in sorted(INBOX.glob("*.eml")):
        raw = path.read_bytes()
        message = BytesHeaderParser().parsebytes(raw)
        received = topmost_received_time(message) or parsedate_to_datetime(str(message["Date"]))
        any_server.append(user, "INBOX", raw, internaldate=received)


def test_run_once_records_and_files_the_sample_inbox(
    tmp_path: Path, any_server: ImapTestServer, any_user: MailUser
) -> None:
    deliver_samples(any_server, any_user)
    config = write_config(tmp_path, any_server, {"ngo": any_user}, rules=ROOT / "rules")
    result = CliRunner().invoke(main, ["--config", str(config), "run", "--once"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"mailbox ngo: {len(EXPECTED)} new, {len(EXPECTED)} recorded" in result.output

    verdicts = dict(db_rows(tmp_path, "select verdict, count(*) from mails group by verdict"))
    expected: dict[str, int] = {}
    for item in EXPECTED.values():
        expected[item["verdict"]] = expected.get(item["verdict"], 0) + 1
    # The one sample mail with no Received header is only suspect in a file; here the server's INTERNALDATE
    # vouches for its late arrival.
    expected["needs_review"] -= 1
    expected["late"] += 1
    assert verdicts == expected
    left = expected["unmatched"] + expected["ignored"]
    assert len(any_server.uids(any_user, "INBOX")) == left, "unmatched and ignored mail stays in the inbox"
    folders = any_server.folders(any_user)
    assert any_server.native("inbox-bot/omp-cabinet-2026/complete") in folders
    ours = any_server.native("inbox-bot") + any_server.delimiter
    filed = sum(len(any_server.uids(any_user, f)) for f in folders if f.startswith(ours))
    assert filed == len(EXPECTED) - left
    # Received times come from the server (INTERNALDATE), cross-checked by nothing the sender wrote.
    assert db_rows(tmp_path, "select count(*) from mails where received_source != 'server'") == [(0,)]


def test_incremental_polls_and_idle_poll_downloads_nothing(
    tmp_path: Path, any_server: ImapTestServer, any_user: MailUser
) -> None:
    any_server.append_many(any_user, "INBOX", [application(n) for n in range(3)])
    daemon = daemon_for(write_config(tmp_path, any_server, {"ngo": any_user}))
    try:
        first = daemon.poll_mailbox("ngo")
        assert first is not None and first.recorded == 3
        poller = daemon.pollers["ngo"]
        assert poller.imap is not None
        downloaded = poller.imap.stats.body_bytes
        idle = daemon.poll_mailbox("ngo")
        assert idle is not None and idle.new == 0
        assert poller.imap.stats.body_bytes == downloaded, "an idle poll downloads no body"
        any_server.append(any_user, "INBOX", application(10))
        later = daemon.poll_mailbox("ngo")
        assert later is not None and later.recorded == 1
    finally:
        daemon.close()
    assert db_rows(tmp_path, "select count(*) from mails") == [(4,)]
    assert db_rows(tmp_path, "select count(*), count(distinct uid) from ledger") == [(4, 4)]
    assert (
        any_server.flags(any_user, any_server.native("inbox-bot/omp-charge-projet-2026/incomplete"), 1) & {b"\\Seen"}
        == set()
    )


def test_hundreds_of_mails_in_one_poll(tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser) -> None:
    dovecot.deliver_files(mail_user, [application(n) for n in range(300)])
    daemon = daemon_for(write_config(tmp_path, dovecot, {"ngo": mail_user}))
    try:
        report = daemon.poll_mailbox("ngo")
    finally:
        daemon.close()
    assert report is not None and report.recorded == 300 and report.filed == 300
    assert dovecot.uids(mail_user, "INBOX") == []


def test_uidvalidity_change_records_nothing_twice_but_reads_new_mail(
    tmp_path: Path, any_server: ImapTestServer, any_user: MailUser
) -> None:
    spam = MessageBuilder().sender("Promo", "promo@example.com").to(CHARGE).subject("Offre").body("x").build()
    any_server.append_many(any_user, "INBOX", [spam, application(1)])  # the spam stays in INBOX (unmatched)
    daemon = daemon_for(write_config(tmp_path, any_server, {"ngo": any_user}))
    try:
        assert daemon.poll_mailbox("ngo") is not None
        any_server.change_uidvalidity(any_user)
        any_server.append(any_user, "INBOX", application(2))
        report = daemon.poll_mailbox("ngo")
    finally:
        daemon.close()
    assert report is not None
    assert report.recorded == 1 and report.linked == 1, "the old spam is linked, the new mail recorded"
    assert db_rows(tmp_path, "select count(*) from mails") == [(3,)]


def test_server_restart_between_polls_costs_no_poll(
    tmp_path: Path, any_server: ImapTestServer, any_user: MailUser
) -> None:
    any_server.append_many(any_user, "INBOX", [application(n) for n in range(5)])
    daemon = daemon_for(write_config(tmp_path, any_server, {"ngo": any_user}))
    try:
        assert daemon.poll_mailbox("ngo") is not None
        any_server.append_many(any_user, "INBOX", [application(n) for n in range(5, 8)])
        any_server.restart()  # the session kept open between polls is now dead: the next poll reconnects at once
        report = daemon.poll_mailbox("ngo")
        assert report is not None and report.recorded == 3
    finally:
        daemon.close()
    assert db_rows(tmp_path, "select failures from mailbox_health where mailbox = 'ngo'") == [(0,)]


def test_connection_dropped_in_the_middle_of_a_batch(
    tmp_path: Path, any_server: ImapTestServer, any_user: MailUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    # more mails than the read-ahead queue holds (eight a worker): some are still on the server when it goes
    any_server.append_many(any_user, "INBOX", [application(n) for n in range(60)])
    daemon = daemon_for(write_config(tmp_path, any_server, {"ngo": any_user}))
    poller = daemon.pollers["ngo"]
    record = poller._record
    calls = {"n": 0}

    def record_then_crash_the_server(*args, **kwargs):  # type: ignore[no-untyped-def]
        record(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 7:
            any_server.stop()

    monkeypatch.setattr(poller, "_record", record_then_crash_the_server)
    try:
        assert daemon.poll_mailbox("ngo") is None, "the server went away mid-batch: the poll fails in one line"
        assert "ngo" in daemon.last_errors["ngo"]
        any_server.start()
        report = daemon.poll_mailbox("ngo")
        assert report is not None and 0 < report.new < 60, "only what the first poll did not record is read again"
    finally:
        daemon.close()
    assert db_rows(tmp_path, "select count(*), count(distinct sha256) from mails") == [(60, 60)]
    assert db_rows(tmp_path, "select count(*) from ledger where state = 'filed'") == [(60,)]
    assert any_server.uids(any_user, "INBOX") == []
    health = db_rows(tmp_path, "select failures, failing_since from mailbox_health where mailbox = 'ngo'")
    assert health == [(1, None)]


def test_one_failing_mailbox_never_stops_the_others(tmp_path: Path, dovecot: DovecotServer) -> None:
    good, bad = dovecot.new_user(), dovecot.new_user()
    dovecot.append(good, "INBOX", application(1))
    config = write_config(tmp_path, dovecot, {"good": good, "bad": MailUser(bad.name, "wrong-password")})
    result = CliRunner().invoke(main, ["--config", str(config), "run", "--once"])
    assert result.exit_code == 3
    assert "mailbox bad:" in result.output and "wrong-password" not in result.output
    assert "mailbox good: 1 new, 1 recorded" in result.output
    status = CliRunner().invoke(main, ["--config", str(config), "status", "--json"])
    assert status.exit_code == 0, status.output
    boxes = {b["mailbox"]: b for b in json.loads(status.output)["mailboxes"]}
    assert boxes["bad"]["last_error"] and boxes["bad"]["failing_since"]
    assert boxes["good"]["last_ok_at"] and boxes["good"]["last_error"] is None
    assert "wrong-password" not in status.output


def test_both_alci_addresses_count_as_one_application(tmp_path: Path, dovecot: DovecotServer) -> None:
    first, second = dovecot.new_user(), dovecot.new_user()
    # One mail To both ALCI addresses, as each mailbox received it (same Message-ID, other Delivered-To).
    copies = sorted(INBOX.glob("01[01]-alci-both-addresses-copy-*.eml"))
    assert len(copies) == 2
    received = datetime(2024, 1, 3, 10, tzinfo=UTC)
    dovecot.append(first, "INBOX", copies[0].read_bytes(), internaldate=received)
    dovecot.append(second, "INBOX", copies[1].read_bytes(), internaldate=received + timedelta(seconds=2))
    daemon = daemon_for(write_config(tmp_path, dovecot, {"alci-1": first, "alci-2": second}, rules=ROOT / "rules"))
    try:
        daemon.run_once()
    finally:
        daemon.close()
    verdicts = sorted(v for (v,) in db_rows(tmp_path, "select verdict from mails"))
    assert verdicts[-1] == "duplicate" and verdicts.count("duplicate") == 1


def test_broken_rule_keeps_the_last_good_rules(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    source = ROOT / "rules" / "alci-guide-2024.toml"
    (rules / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    events: list[tuple[str, str]] = []
    watcher = RulesWatcher(rules, lambda what, detail: events.append((what, detail)))
    good = watcher.current()
    (rules / "broken-call.toml").write_text('id = "broken-call"\n', encoding="utf-8")
    assert watcher.current() is good
    assert watcher.error is not None and "broken-call.toml" in watcher.error
    (rules / "broken-call.toml").unlink()
    watcher.request_reload()
    assert set(watcher.current()) == {"alci-guide-2024"} and watcher.error is None
    assert [what for what, _ in events] == ["error", "reloaded"]


def _run_once_process(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "inbox_bot", "--config", str(config), "run", "--once"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ),
    )


@pytest.mark.slow
def test_sigkill_at_random_points_loses_and_doubles_nothing(
    tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser
) -> None:
    count = 200
    dovecot.deliver_files(mail_user, [application(n) for n in range(count)])
    config = write_config(tmp_path, dovecot, {"ngo": mail_user})
    chance = random.Random(20261125)
    for _ in range(5):
        process = _run_once_process(config)
        time.sleep(chance.uniform(0.8, 3.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
    final = _run_once_process(config)
    assert final.wait(timeout=300) == 0
    assert db_rows(tmp_path, "select count(*), count(distinct sha256) from mails") == [(count, count)]
    assert db_rows(tmp_path, "select count(*) from ledger where state = 'filed'") == [(count,)]
    assert dovecot.uids(mail_user, "INBOX") == []
    # A try is counted before a mail is read: a mail in flight at three of the kills is quarantined for a person
    # (needs_review), as a mail that kills the process itself would be. Filed, not lost, and filed once.
    [(quarantined,)] = db_rows(tmp_path, "select count(*) from mails where reasons like '%quarantined after%'")
    assert db_rows(tmp_path, "select count(*) from mails where verdict = 'incomplete'") == [(count - quarantined,)]
    folders = [folder for folder in dovecot.folders(mail_user) if folder != "INBOX"]
    filed = [uid for folder in folders for uid in dovecot.uids(mail_user, folder)]
    assert len(filed) == count, "every mail filed exactly once"
    incomplete = dovecot.uids(mail_user, "inbox-bot/omp-charge-projet-2026/incomplete")
    assert len(incomplete) == count - quarantined


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except sqlite3.OperationalError:  # the daemon has not created its tables yet
            pass
        time.sleep(0.1)
    return False


def test_daemon_polls_on_schedule_and_stops_cleanly_on_sigterm(
    tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser
) -> None:
    config = write_config(tmp_path, dovecot, {"ngo": mail_user})
    process = subprocess.Popen(
        [sys.executable, "-m", "inbox_bot", "--config", str(config), "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=dict(os.environ),
    )
    try:
        database = tmp_path / "var" / "db.sqlite"
        assert wait_for(lambda: database.exists() and bool(db_rows(tmp_path, "select * from mailbox_health")))
        dovecot.append(mail_user, "INBOX", application(1))
        assert wait_for(lambda: db_rows(tmp_path, "select count(*) from mails") == [(1,)])
        # A broken rule file, then SIGHUP: the last good rules stay in force, and `status` says why.
        (tmp_path / "rules" / "broken-call.toml").write_text('id = "broken-call"\n', encoding="utf-8")
        process.send_signal(signal.SIGHUP)
        assert wait_for(lambda: bool(db_rows(tmp_path, "select detail from events where kind = 'rules'")))
        dovecot.append(mail_user, "INBOX", application(2))
        assert wait_for(lambda: db_rows(tmp_path, "select count(*) from mails") == [(2,)])
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr.decode()
    # The journal says, without -v, one line per mail that an operator can filter on.
    per_mail = [line for line in stderr.decode().splitlines() if "mail recorded mailbox=ngo" in line]
    assert len(per_mail) == 2 and all("verdict=" in line and " id=" in line for line in per_mail), stderr.decode()
    status = CliRunner().invoke(main, ["--config", str(config), "status", "--json"])
    rules = json.loads(status.output)["rules"]
    assert rules["state"] == "error" and "broken-call.toml" in rules["detail"]


def test_oversized_mail_is_recorded_without_being_downloaded(
    tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser
) -> None:
    big = application(1).replace(b"veuillez trouver", b"x" * 40_000 + b" veuillez trouver")
    dovecot.append_many(mail_user, "INBOX", [big, application(2)])
    config = write_config(tmp_path, dovecot, {"ngo": mail_user}, top="[limits]\nmax_mail_mb = 0.02\n")
    daemon = daemon_for(config)
    try:
        report = daemon.poll_mailbox("ngo")
        poller = daemon.pollers["ngo"]
        assert poller.imap is not None
        assert poller.imap.stats.body_bytes == len(application(2)), "only the small mail was downloaded"
    finally:
        daemon.close()
    assert report is not None and report.recorded == 2
    rows = db_rows(tmp_path, "select verdict, reasons from mails order by id")
    assert rows[0][0] == "needs_review" and "too large" in str(rows[0][1])


def test_daemon_answers_an_authenticated_applicant_through_smtp(
    tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser, smtp_server: SmtpServer
) -> None:
    authenticated = application(1).replace(
        b"Subject:",
        b"Authentication-Results: mx.ngo.example; spf=pass smtp.mailfrom=candidat1@example.ma\r\nSubject:",
        1,
    )
    forged = application(2)  # no Authentication-Results from our server: never answered
    smtp = f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "none"\nfrom = "bot@ngo.example"\n'
    config = write_config(tmp_path, dovecot, {"ngo": mail_user}, extra='authserv_ids = ["mx.ngo.example"]', top=smtp)
    # The first poll answers nobody (first contact): the mails come after it, as new mail does.
    CliRunner().invoke(main, ["--config", str(config), "run", "--once"], catch_exceptions=False)
    dovecot.append_many(mail_user, "INBOX", [authenticated, forged])
    result = CliRunner().invoke(main, ["--config", str(config), "run", "--once"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    sent = smtp_server.messages()
    assert [parseaddr(str(m["To"]))[1] for m in sent] == ["candidat1@example.ma"]
    reply = sent[0]
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["In-Reply-To"] == "<app-1@example.ma>"
    assert "lettre de motivation" in reply.get_body(("plain",)).get_content()  # what is still missing
    # Running again sends nothing twice.
    CliRunner().invoke(main, ["--config", str(config), "run", "--once"], catch_exceptions=False)
    assert len(smtp_server.messages()) == 1
