"""The outbox and the sender job against a real SMTP server on 127.0.0.1: crashes at each step never send a
reply twice, an unreachable or refusing server loses nothing, a lost answer is `unknown`, never resent."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from inbox_bot.config.secrets import read_password
from inbox_bot.config.settings import Settings, SmtpSettings
from inbox_bot.core.errors import ConfigError
from inbox_bot.outgoing import outbox
from inbox_bot.outgoing.mailer import Mailer, dot_stuffed
from inbox_bot.storage.outbox_rows import ReplyRow
from inbox_bot.storage.store import Store, utc_now
from tests.smtpd import (
    AUTHSERV,
    SmtpServer,
    parsed_mail,
    raw_for,
    record,
    smtp_settings,
    triage_result,
)
from tests.values import RULES

CHARGE = RULES["omp-charge-projet-2026"]


class Crash(BaseException):
    """The process dying: not an Exception, so nothing on the way catches it."""


class CrashAfterSending(Mailer):
    def send(self, mail_from: str, rcpt: Sequence[str], message: bytes) -> None:
        super().send(mail_from, rcpt, message)
        raise Crash  # the server took it; the process dies before the outbox row says `sent`


def queue_reply(store: Store, settings: Settings, n: int = 1) -> int:
    address = f"applicant{n}@example.ma"
    passing = [f"{AUTHSERV}; spf=pass smtp.mailfrom={address}"]
    parsed = parsed_mail(message_id=f"<cand-{n}@example.ma>", sender=address, return_path=address,
                         authentication_results=passing)  # fmt: skip
    return record(store, settings, CHARGE, parsed, triage_result(parsed, CHARGE.id, "incomplete", ["references"]))


def mailer(settings: Settings) -> Mailer:
    assert settings.smtp is not None
    return Mailer(settings.smtp)


def reopen(store: Store, tmp_path: Path) -> Store:
    """A restart: the old connection is gone, a new process opens the database."""
    store.close()
    return Store(tmp_path / "db.sqlite", tmp_path / "storage")


def states(store: Store) -> dict[str, int]:
    return {state: n for state, n in outbox.status(store).items() if n}


def test_decision_and_reply_commit_together_or_not_at_all(tmp_path: Path, store: Store) -> None:
    settings = smtp_settings(None, tmp_path)
    parsed = parsed_mail()
    result = triage_result(parsed, CHARGE.id, "incomplete", ["references"])
    raw = raw_for(parsed)
    reply = outbox.plan_reply(store, parsed, result, CHARGE, settings, {AUTHSERV}, raw=raw)
    assert isinstance(reply, ReplyRow)

    with pytest.raises(Crash), store.transaction() as tx:
        mail_id = tx.record_mail(raw, result, [])
        outbox.queue(tx, mail_id, reply)
        raise Crash
    store = reopen(store, tmp_path)
    assert store.mails() == []
    assert states(store) == {}


def test_crash_between_decision_and_delivery(tmp_path: Path, store: Store, smtp_server: SmtpServer) -> None:
    settings = smtp_settings(smtp_server, tmp_path)
    queue_reply(store, settings)
    store = reopen(store, tmp_path)  # the process died after recording: the reply waits in the outbox
    assert outbox.deliver_pending(store, mailer(settings)).sent == 1
    assert outbox.deliver_pending(store, mailer(settings)).sent == 0
    assert len(smtp_server.received) == 1
    assert states(store) == {"sent": 1}


def test_crash_during_delivery_is_unknown_and_never_resent(
    tmp_path: Path, store: Store, smtp_server: SmtpServer
) -> None:
    settings = smtp_settings(smtp_server, tmp_path)
    mail_id = queue_reply(store, settings)
    assert settings.smtp is not None
    with pytest.raises(Crash):
        outbox.deliver_pending(store, CrashAfterSending(settings.smtp))
    assert len(smtp_server.received) == 1
    store = reopen(store, tmp_path)
    assert states(store) == {"sending": 1}
    assert outbox.recover_interrupted(store) == 1  # at start-up
    assert states(store) == {"unknown": 1}
    assert outbox.deliver_pending(store, mailer(settings)).sent == 0
    assert len(smtp_server.received) == 1  # not sent again blindly
    [row] = outbox.rows(store, "unknown")
    assert row["mail_id"] == mail_id
    assert "may have gone" in row["last_error"]


def test_a_row_stuck_in_sending_long_after_any_timeout_becomes_unknown(
    tmp_path: Path, store: Store, smtp_server: SmtpServer
) -> None:
    settings = smtp_settings(smtp_server, tmp_path)
    queue_reply(store, settings)
    assert settings.smtp is not None
    with pytest.raises(Crash):
        outbox.deliver_pending(store, CrashAfterSending(settings.smtp))
    report = outbox.deliver_pending(store, mailer(settings), now=utc_now() + timedelta(hours=1))
    assert report.sent == 0
    assert states(store) == {"unknown": 1}


def test_lost_answer_after_the_message_is_unknown(tmp_path: Path, store: Store, smtp_server: SmtpServer) -> None:
    settings = smtp_settings(smtp_server, tmp_path, smtp={"timeout": "1s"})
    mail_id = queue_reply(store, settings)
    smtp_server.reply_delay = 2.5  # the server keeps the message but answers after our timeout
    report = outbox.deliver_pending(store, mailer(settings))
    assert report.unknown == 1
    assert states(store) == {"unknown": 1}
    assert "reply_unknown" in [e["kind"] for e in store.events(mail_id)]
    smtp_server.reply_delay = 0
    outbox.deliver_pending(store, mailer(settings), now=utc_now() + timedelta(days=1))
    assert len(smtp_server.received) == 1


def test_smtp_server_down_the_reply_waits_and_goes_later(tmp_path: Path, store: Store, smtp_server: SmtpServer) -> None:
    down = smtp_settings(None, tmp_path)  # a loopback port where nothing listens
    queue_reply(store, down)
    report = outbox.deliver_pending(store, mailer(down))
    assert report.error is not None
    assert "cannot reach SMTP server 127.0.0.1" in report.error
    [row] = outbox.rows(store, "queued")
    assert row["attempts"] == 0  # the server was never reached: the reply has not used up a try
    up = smtp_settings(smtp_server, tmp_path)
    assert outbox.deliver_pending(store, mailer(up)).sent == 1
    assert [m["In-Reply-To"] for m in smtp_server.messages()] == ["<cand-1@example.ma>"]


def test_a_temporary_refusal_is_retried_with_backoff(tmp_path: Path, store: Store, smtp_server: SmtpServer) -> None:
    settings = smtp_settings(smtp_server, tmp_path, smtp={"retry_after": "5m"})
    queue_reply(store, settings)
    smtp_server.data_reply = "451 4.3.0 try again later"
    now = utc_now()
    assert outbox.deliver_pending(store, mailer(settings), now=now).retrying == 1
    [row] = outbox.rows(store, "queued")
    assert row["attempts"] == 1
    assert "451" in row["last_error"]
    smtp_server.data_reply = None
    assert outbox.deliver_pending(store, mailer(settings), now=now + timedelta(minutes=4)).sent == 0  # not yet
    assert outbox.deliver_pending(store, mailer(settings), now=now + timedelta(minutes=5)).sent == 1
    assert len(smtp_server.received) == 1


def test_too_many_temporary_refusals_fail_for_good(tmp_path: Path, store: Store, smtp_server: SmtpServer) -> None:
    settings = smtp_settings(smtp_server, tmp_path, smtp={"retry_after": "1s", "max_attempts": 2})
    queue_reply(store, settings)
    smtp_server.data_reply = "451 4.3.0 try again later"
    now = utc_now()
    outbox.deliver_pending(store, mailer(settings), now=now)
    assert outbox.deliver_pending(store, mailer(settings), now=now + timedelta(minutes=1)).failed == 1
    assert states(store) == {"failed": 1}


def test_a_refused_recipient_fails_at_once_and_the_others_still_go(
    tmp_path: Path, store: Store, smtp_server: SmtpServer
) -> None:
    settings = smtp_settings(smtp_server, tmp_path)
    refused_mail = queue_reply(store, settings, 1)
    queue_reply(store, settings, 2)
    smtp_server.refuse_rcpt = {"applicant1@example.ma"}
    report = outbox.deliver_pending(store, mailer(settings))
    assert (report.failed, report.sent) == (1, 1)
    [failed] = outbox.rows(store, "failed")
    assert "550" in failed["last_error"]
    assert "RCPT TO:<applicant1@example.ma>" in failed["last_error"]
    assert "reply_failed" in [e["kind"] for e in store.events(refused_mail)]
    assert [r.rcpt for r in smtp_server.received] == [["applicant2@example.ma"]]


def test_a_person_settles_an_unknown_reply(tmp_path: Path, store: Store, smtp_server: SmtpServer) -> None:
    settings = smtp_settings(smtp_server, tmp_path)
    queue_reply(store, settings)
    store.db.execute("update outbox set state = 'unknown'")
    with pytest.raises(ConfigError):
        outbox.settle_unknown(store, 99, resend=True)
    outbox.settle_unknown(store, 1, resend=True)
    assert outbox.deliver_pending(store, mailer(settings)).sent == 1


def test_a_line_starting_with_a_dot_arrives_intact() -> None:
    assert dot_stuffed(b"a\r\n.b\r\n..c\r\n") == b"a\r\n..b\r\n...c\r\n.\r\n"


# ---------------------------------------------------------------- [smtp] settings


def test_smtp_without_tls_only_on_loopback() -> None:
    SmtpSettings(host="127.0.0.1", security="none", **{"from": "bot@ngo.example"})
    SmtpSettings(host="::1", security="none", **{"from": "bot@ngo.example"})
    with pytest.raises(ValidationError, match="only for a loopback host"):
        SmtpSettings(host="smtp.gmail.com", security="none", **{"from": "bot@ngo.example"})


def test_smtp_settings_are_checked() -> None:
    with pytest.raises(ValidationError, match="go together"):
        SmtpSettings(host="smtp.example.ma", username="bot", **{"from": "bot@ngo.example"})
    with pytest.raises(ValidationError, match="not both"):
        SmtpSettings(host="h.example", username="u", password_env="P", password_file=Path("p"), **{"from": "a@b.ma"})
    with pytest.raises(ValidationError, match="not an email address"):
        SmtpSettings(host="smtp.example.ma", **{"from": "bot at ngo"})
    assert SmtpSettings(host="smtp.example.ma", security="ssl", **{"from": "a@b.ma"}).effective_port() == 465


def test_the_password_is_read_late_and_never_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "s3cret-app-password"
    (tmp_path / "smtp.pass").write_text(secret + "\n")
    from_file = SmtpSettings(host="h.example", username="u", password_file=tmp_path / "smtp.pass", **{"from": "a@b.ma"})
    password = read_password(from_file)
    assert password is not None
    assert password.get_secret_value() == secret
    assert secret not in repr(password) + str(password) + repr(from_file)
    missing = SmtpSettings(host="h.example", username="u", password_env="INBOX_BOT_TEST_NO_SUCH", **{"from": "a@b.ma"})
    monkeypatch.delenv("INBOX_BOT_TEST_NO_SUCH", raising=False)
    with pytest.raises(ConfigError, match="INBOX_BOT_TEST_NO_SUCH is not set"):
        read_password(missing)


def test_outbox_command_lists_and_settles_an_unknown_reply(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from inbox_bot.cli.main import main

    config = tmp_path / "inbox-bot.toml"
    config.write_text('database = "db.sqlite"\nstorage = "storage"\n', encoding="utf-8")
    store = Store(tmp_path / "db.sqlite", tmp_path / "storage")
    store.db.table("outbox").insert(
        {
            "kind": "receipt",
            "rcpt": "karim@example.ma",
            "message_id": "<r@x>",
            "message": b"...",
            "state": "unknown",
            "attempts": 1,
            "created_at": "2026-04-20T10:00:00+00:00",
        },
        alter=False,
    )
    store.db.conn.commit()
    store.close()
    runner = CliRunner()
    listed = runner.invoke(main, ["--config", str(config), "outbox", "--state", "unknown", "--json"])
    assert listed.exit_code == 0, listed.output
    [row] = [json.loads(line) for line in listed.output.splitlines()]
    assert row["state"] == "unknown" and row["rcpt"] == "karim@example.ma"
    settled = runner.invoke(main, ["--config", str(config), "outbox", "--mark-sent", str(row["id"])])
    assert settled.exit_code == 0 and "taken as sent" in settled.output
    again = runner.invoke(main, ["--config", str(config), "outbox", "--resend", str(row["id"])])
    assert again.exit_code == 2 and "not in state unknown" in again.output
