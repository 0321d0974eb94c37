"""Push on the real servers: with IDLE, a new mail is recorded soon after its APPEND although the interval poll is
an hour away; IDLE renewed keeps working; a connection the server drops is made again; a server without IDLE, or
`idle = false`, is polled as before. Waits are bounded waits for an event, never timings."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from inbox_bot.cli.main import main
from inbox_bot.config.secrets import Credential, read_credential
from inbox_bot.config.settings import load_settings
from inbox_bot.core.errors import MailboxError
from inbox_bot.core.reasons import Cause
from inbox_bot.core.wording import HINTS
from inbox_bot.daemon.push import PushWatcher
from inbox_bot.daemon.scheduler import Daemon
from inbox_bot.outgoing import digest
from inbox_bot.outgoing.mailer import Mailer
from inbox_bot.sources.imap_idle import ImapIdle
from inbox_bot.storage.rows import utc_now
from tests.dovecot import DovecotServer, MailUser, find_dovecot
from tests.imapservers import ImapTestServer
from tests.pollkit import application
from tests.smtpd import SmtpServer, free_port
from tests.test_daemon import db_rows, open_rules, wait_for, write_config
from tests.test_imap_source import mail, settings

pytestmark = pytest.mark.imap

NEVER = "1h"  # an interval poll this far away cannot be what records a mail during the test
SOON = 45.0  # seconds: a generous bound on "within seconds", for a loaded machine


# ---------------------------------------------------------------- the adapter: sources/imap_idle.py


def idle_session(server: ImapTestServer, user: MailUser) -> ImapIdle:
    return ImapIdle(settings(server, user), Credential(SecretStr(user.password)))


def announced(idle: ImapIdle) -> bool:
    """Waits (bounded) for the server to announce new mail."""
    return wait_for(lambda: idle.wait(0.5), SOON)


def test_idle_announces_new_mail_and_not_our_own_filing(any_server: ImapTestServer, any_user: MailUser) -> None:
    any_server.append(any_user, "INBOX", mail(1))
    with idle_session(any_server, any_user) as idle:
        assert idle.has_idle, "every server of the suite offers IDLE"
        idle.begin()
        assert idle.wait(0.1) is False  # the mail already there is no news
        any_server.append(any_user, "INBOX", mail(2))
        assert announced(idle)
        idle.renew()
        # Mails leaving (as our filing makes them leave) are no news: the server's EXPUNGEs lower the count...
        any_server.expunge(any_user, "INBOX", any_server.uids(any_user, "INBOX"))
        assert not any(idle.wait(0.5) for _ in range(6))
        # ... so the next mail, though the folder then holds fewer than before, is news.
        any_server.append(any_user, "INBOX", mail(3))
        assert announced(idle)
        assert idle.stats.commands["IDLE"] == 2 and idle.stats.commands["EXAMINE"] == 1


def test_idle_ended_by_the_server_is_a_mailbox_error(dovecot: DovecotServer, mail_user: MailUser) -> None:
    with idle_session(dovecot, mail_user) as idle:
        idle.begin()
        dovecot.kick(mail_user)
        with pytest.raises(MailboxError, match=r"IMAP mailbox 'ngo-jobs' .*IDLE: the server ended the session"):
            wait_for(lambda: idle.wait(0.5), SOON)
        assert not idle.connected


def test_idle_cut_without_a_word_is_a_mailbox_error(any_server: ImapTestServer, any_user: MailUser) -> None:
    with idle_session(any_server, any_user) as idle:
        idle.begin()
        any_server.stop()  # the whole process group, at once: maybe a BYE, maybe only the end of the stream
        try:
            with pytest.raises(MailboxError, match=r"IDLE: the server (closed the connection|ended the session)"):
                wait_for(lambda: idle.wait(0.5), SOON)
        finally:
            any_server.start()


# ---------------------------------------------------------------- the daemon: daemon/push.py


def push_config(tmp_path: Path, server: ImapTestServer, user: MailUser, *, poll_every: str, extra: str = "") -> Path:
    variable = "INBOX_BOT_TEST_PASSWORD_PUSH"
    os.environ[variable] = user.password
    config = tmp_path / "inbox-bot.toml"
    config.write_text(
        f'rules_dir = "{open_rules(tmp_path)}"\ndatabase = "var/db.sqlite"\nstorage = "var/storage"\n\n'
        f'[[mailboxes]]\nname = "ngo"\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\n'
        f'username = "{user.name}"\npassword_env = "{variable}"\npoll_every = "{poll_every}"\n'
        f'connect_timeout = "5s"\nread_timeout = "10s"\n{extra}',
        encoding="utf-8",
    )
    return config


class Running:
    """`inbox-bot -vv run` in a process of its own, its log in a file (a pipe could fill up and stall it)."""

    def __init__(self, config: Path) -> None:
        self.log_path = config.parent / "daemon.log"
        self.tmp_path = config.parent
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "inbox_bot", "--config", str(config), "-vv", "run"],
                stdout=subprocess.DEVNULL,
                stderr=log,
                env=dict(os.environ),
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def polls_over(self) -> bool:
        """Every poll the scheduler began has ended: APScheduler logs 'Running job "poll ...' at the start and
        'Job "poll ..." executed successfully' (or "raised") at the end."""
        log = self.log()
        return log.count('Running job "poll ') == log.count('Job "poll ')

    def mails(self) -> int:
        return int(db_rows(self.tmp_path, "select count(*) from mails")[0][0])

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


def mailbox_status(config: Path) -> dict[str, Any]:
    status = CliRunner().invoke(main, ["--config", str(config), "status", "--json"])
    assert status.exit_code == 0, status.output
    boxes: list[dict[str, Any]] = json.loads(status.output)["mailboxes"]
    return next(box for box in boxes if box["mailbox"] == "ngo")


@contextmanager
def running(config: Path) -> Iterator[Running]:
    daemon = Running(config)
    try:
        # The first poll ran (at start) and IDLE, where there is one, is waiting: from now on only push can record.
        assert wait_for(lambda: bool(db_rows(daemon.tmp_path, "select * from mailbox_health")), SOON), daemon.log()
        yield daemon
    finally:
        daemon.stop()


def test_new_mail_is_recorded_by_push_renewed_and_after_a_restart(
    tmp_path: Path, any_server: ImapTestServer, any_user: MailUser
) -> None:
    config = push_config(tmp_path, any_server, any_user, poll_every=NEVER, extra='idle_renew = "1s"\n')
    with running(config) as daemon:
        assert wait_for(lambda: "waiting for new mail with IDLE" in daemon.log(), SOON), daemon.log()
        any_server.append(any_user, "INBOX", application(1))
        assert wait_for(lambda: daemon.mails() == 1, SOON), daemon.log()
        # Renewed (DONE, IDLE) several times over: still listening.
        renewed = daemon.log().count("IDLE renewed")
        assert wait_for(lambda: daemon.log().count("IDLE renewed") >= renewed + 2, SOON), daemon.log()
        any_server.append(any_user, "INBOX", application(2))
        assert wait_for(lambda: daemon.mails() == 2, SOON), daemon.log()
        # The poll that recorded it goes on to file it: stopping the server under it would fail the poll too
        # (the mailbox then reads failing, not degraded), so the server goes away only once that poll is over.
        assert wait_for(daemon.polls_over, SOON), daemon.log()
        # The server goes away: while it is away the mailbox shows degraded (mail would still come, by the polls).
        any_server.stop()
        assert wait_for(lambda: mailbox_status(config)["state"] == "degraded", SOON), daemon.log()
        (problem,) = mailbox_status(config)["problems"]
        assert problem["action"] == "push" and problem["what"] == "l'attente des nouveaux courriels (IDLE)", problem
        assert problem["cause"] == "network" and problem["fix"], problem
        # It comes back: the watcher reconnects by itself, records the next mail, and the mailbox is ok again.
        any_server.start()
        any_server.append(any_user, "INBOX", application(3))
        assert wait_for(lambda: daemon.mails() == 3, SOON), daemon.log()
        assert wait_for(lambda: "IDLE connection back" in daemon.log(), SOON), daemon.log()
        assert mailbox_status(config)["state"] == "ok"
        assert daemon.stop() == 0, daemon.log()
    log = daemon.log()
    assert "IDLE connection failed (try 1), reconnecting" in log, log
    assert "mailbox ngo: IDLE stopped" in log, "SIGTERM ends the IDLE thread, which logs out"
    assert db_rows(tmp_path, "select count(distinct sha256) from mails") == [(3,)]


def test_a_connection_the_server_kicks_is_made_again(
    tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser
) -> None:
    config = push_config(tmp_path, dovecot, mail_user, poll_every=NEVER)
    with running(config) as daemon:
        assert wait_for(lambda: "waiting for new mail with IDLE" in daemon.log(), SOON), daemon.log()
        dovecot.kick(mail_user)  # BYE on both sessions, from the server's side
        assert wait_for(lambda: "IDLE connection back" in daemon.log(), SOON), daemon.log()
        dovecot.append(mail_user, "INBOX", application(1))
        assert wait_for(lambda: daemon.mails() == 1, SOON), daemon.log()
    assert "IDLE connection failed (try 1), reconnecting in 0:00:02: IMAP mailbox 'ngo'" in daemon.log()
    assert "IDLE: the server ended the session" in daemon.log()
    assert mailbox_status(config)["state"] == "ok", "the failure ended when IDLE worked again"


def test_idle_off_is_polled_as_before(tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser) -> None:
    config = push_config(tmp_path, dovecot, mail_user, poll_every="1s", extra="idle = false\n")
    with running(config) as daemon:
        dovecot.append(mail_user, "INBOX", application(1))
        assert wait_for(lambda: daemon.mails() == 1, SOON), daemon.log()
    log = daemon.log()
    assert "IDLE off (idle = false): polled every" in log and "waiting for new mail with IDLE" not in log, log


@pytest.fixture(scope="module")
def dovecot_without_idle() -> Iterator[DovecotServer]:
    binary = find_dovecot()
    if binary is None:
        pytest.fail("dovecot is not installed: run scripts/setup --dev", pytrace=False)
    capability = ["IMAP4rev1", "LITERAL+", "SASL-IR", "ID", "ENABLE", "NAMESPACE", "CHILDREN", "UNSELECT", "MOVE"]
    server = DovecotServer(binary, capability=capability)
    try:
        server.start()
        yield server
    finally:
        server.close()


def test_a_server_without_idle_is_polled(tmp_path: Path, dovecot_without_idle: DovecotServer) -> None:
    user = dovecot_without_idle.new_user()
    config = push_config(tmp_path, dovecot_without_idle, user, poll_every="1s")
    with running(config) as daemon:
        assert wait_for(lambda: "does not offer IDLE: polled every 0:00:01 only" in daemon.log(), SOON), daemon.log()
        dovecot_without_idle.append(user, "INBOX", application(1))
        assert wait_for(lambda: daemon.mails() == 1, SOON), daemon.log()
    assert "IDLE connection failed" not in daemon.log()


SMTP = '[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nfrom = "bot@ngo.example"\n'
DIGEST = '[digest]\nalert_after = "2h"\noperator = ["it@ngo.example"]\n'


def test_idle_failing_makes_the_mailbox_degraded_and_alerts_once(
    tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser, smtp_server: SmtpServer
) -> None:
    config = write_config(tmp_path, dovecot, {"ngo": mail_user}, top=SMTP.format(port=smtp_server.port) + DIGEST)
    settings = load_settings(config)
    assert settings.smtp is not None
    daemon = Daemon(settings)
    try:
        assert daemon.poll_mailbox("ngo") is not None  # the poll works...
        # ... while IDLE cannot connect (nothing listens on that port): the watcher records it, the daemon's way.
        unreachable = settings.mailboxes[0].model_copy(update={"port": free_port()})
        stopping = threading.Event()
        watcher = PushWatcher(
            unreachable, lambda box: ImapIdle(box, read_credential(box)), lambda _name: None, stopping,
            daemon.push_state,
        )  # fmt: skip
        watcher.start()
        try:
            assert wait_for(lambda: mailbox_status(config)["state"] == "degraded", SOON)
        finally:
            stopping.set()
            watcher.join()
        failed_at, rules, mailer = utc_now(), daemon.rules.current(), Mailer(settings.smtp)

        def alerts(after: timedelta) -> list[str]:
            return digest.send_mailbox_alerts(daemon.store, settings, rules, mailer, now=failed_at + after)

        assert alerts(timedelta(hours=1)) == []
        assert alerts(timedelta(hours=2, minutes=1)) == ["ngo"]
        assert alerts(timedelta(hours=3)) == []
    finally:
        daemon.close()
    [alert] = smtp_server.messages()
    assert "boîte « ngo », l'attente des nouveaux courriels (IDLE) échoue depuis 2 h" in str(alert["Subject"])
    body = " ".join(alert.get_body(("plain",)).get_content().split())
    assert "plus tard qu'avec IDLE" in body and "À corriger : " + HINTS["fr"][Cause.NETWORK] in body
