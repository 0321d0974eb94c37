"""XOAUTH2 logins end to end on the real Dovecot: its oauth2 passdb asks the harness's token endpoint.

No mocks: the token goes from a command (or the settings) through imapclient's AUTHENTICATE XOAUTH2 to
Dovecot, which introspects it over HTTP on 127.0.0.1 (tests/dovecot.py, TokenIssuer).
"""

from __future__ import annotations

import base64
import logging
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError
from pydantic import SecretStr

from inbox_bot.config.secrets import Credential
from inbox_bot.config.settings import MailboxSettings, load_settings
from inbox_bot.core.errors import MailboxError
from inbox_bot.daemon.scheduler import Daemon
from inbox_bot.sources.imap import ImapMailbox
from tests.dovecot import HOST, DovecotServer, MailUser

pytestmark = pytest.mark.imap

ROOT = Path(__file__).resolve().parents[1]
BOX = "ngo-oauth"


def mail(number: int) -> bytes:
    return (
        f"From: Applicant {number} <applicant{number}@example.org>\r\n"
        f"To: jobs@ngo.example\r\n"
        f"Subject: OAuth2 test {number}\r\n"
        f"Message-ID: <oauth2-{number}@example.org>\r\n"
        f"Date: Sun, 1 Mar 2026 10:00:00 +0000\r\n\r\n"
        f"Hello {number},\r\n"
    ).encode()


def oauth_mailbox(server: DovecotServer, user: MailUser, token: str) -> ImapMailbox:
    box = MailboxSettings(
        name=BOX,
        host=HOST,
        port=server.port,
        security="none",
        username=user.name,
        oauth2_token_command="print-a-token",  # what the daemon would run; these tests hand the token over
        connect_timeout=timedelta(seconds=5),
        read_timeout=timedelta(seconds=5),
    )
    return ImapMailbox(box, Credential(SecretStr(token), oauth2=True))


def secret_forms(user: MailUser, token: str) -> list[str]:
    """The token as it could leak: as is, or inside the base64 XOAUTH2 string sent to the server."""
    sasl = base64.b64encode(f"user={user.name}\1auth=Bearer {token}\1\1".encode()).decode()
    return [token, sasl]


def assert_one_clean_line(message: str, secrets: list[str]) -> None:
    assert "\n" not in message and "\r" not in message, message
    for secret in secrets:
        assert secret not in message, "the error shows the token"


# ---------------------------------------------------------------- the harness itself


def test_harness_takes_tokens_for_xoauth2_and_oauthbearer_only(dovecot: DovecotServer, mail_user: MailUser) -> None:
    token = dovecot.issue_token(mail_user)
    asked = dovecot.tokens.requests
    with IMAPClient(HOST, port=dovecot.port, ssl=False, timeout=5) as client:
        assert b"AUTH=XOAUTH2" in client.capabilities() and b"AUTH=OAUTHBEARER" in client.capabilities()
        client.oauthbearer_login(mail_user.name, token)
        assert client.select_folder("INBOX")[b"EXISTS"] == 0
    assert dovecot.tokens.requests == asked + 1, "Dovecot asked the introspection endpoint"

    # Each passdb only for its own mechanisms: a token is no password, a password no token.
    with IMAPClient(HOST, port=dovecot.port, ssl=False, timeout=5) as client, pytest.raises(LoginError):
        client.login(mail_user.name, token)
    with IMAPClient(HOST, port=dovecot.port, ssl=False, timeout=5) as client, pytest.raises(LoginError):
        client.oauth2_login(mail_user.name, mail_user.password)
    # The token names its user: it opens nobody else's mailbox.
    other = dovecot.new_user()
    with IMAPClient(HOST, port=dovecot.port, ssl=False, timeout=5) as client, pytest.raises(LoginError):
        client.oauth2_login(other.name, token)
    # Passwords still work as before.
    with dovecot.connect(mail_user) as client:
        client.select_folder("INBOX")


# ---------------------------------------------------------------- the IMAP adapter


def test_imap_mailbox_logs_in_with_xoauth2_and_reads_the_inbox(dovecot: DovecotServer, mail_user: MailUser) -> None:
    uid = dovecot.append(mail_user, "INBOX", mail(1))
    token = dovecot.issue_token(mail_user)

    with oauth_mailbox(dovecot, mail_user, token) as mailbox:
        state = mailbox.select("INBOX")
        assert (state.folder, state.exists, state.selected) == ("INBOX", 1, True)
        assert mailbox.new_uids(None) == [uid]
        [(fetched_uid, raw)] = list(mailbox.fetch_bodies([uid]))
    assert fetched_uid == uid
    assert raw == mail(1)
    assert dovecot.flags(mail_user, "INBOX", uid) == set(), "read with BODY.PEEK: still unseen"


@pytest.mark.parametrize("kind", ["unknown", "expired"])
def test_a_refused_token_is_one_line_naming_the_mailbox_without_the_token(
    dovecot: DovecotServer, mail_user: MailUser, kind: str
) -> None:
    if kind == "unknown":
        token = "ya29.not-a-token-this-server-issued"
    else:
        token = dovecot.issue_token(mail_user)
        dovecot.revoke_token(token)

    mailbox = oauth_mailbox(dovecot, mail_user, token)
    with pytest.raises(MailboxError) as raised:
        mailbox.connect()
    assert not mailbox.connected

    message = raised.value.one_line()
    assert_one_clean_line(message, secret_forms(mail_user, token))
    assert f"IMAP mailbox '{BOX}'" in message
    assert "login refused" in message and "AUTHENTICATIONFAILED" in message
    assert raised.value.__cause__ is None, "no traceback carrying the login exchange"


# ---------------------------------------------------------------- through the daemon


def token_command(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "print-token.sh"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def oauth_config(tmp_path: Path, dovecot: DovecotServer, user: MailUser, command: Path) -> Path:
    config = tmp_path / "inbox-bot.toml"
    config.write_text(
        f'rules_dir = "{ROOT / "rules"}"\ndatabase = "var/db.sqlite"\nstorage = "var/storage"\n\n'
        f'[[mailboxes]]\nname = "{BOX}"\nhost = "127.0.0.1"\nport = {dovecot.port}\nsecurity = "none"\n'
        f'username = "{user.name}"\noauth2_token_command = "{command}"\npoll_every = "1s"\n'
        f'connect_timeout = "5s"\nread_timeout = "10s"\n',
        encoding="utf-8",
    )
    return config


def recorded_message_ids(tmp_path: Path) -> list[str]:
    with sqlite3.connect(tmp_path / "var" / "db.sqlite") as db:
        return sorted(row[0] for row in db.execute("select message_id from mails"))


def test_daemon_polls_with_the_token_its_command_prints_and_fetches_a_new_one_after_a_reconnect(
    tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser
) -> None:
    dovecot.append(mail_user, "INBOX", mail(1))
    first = dovecot.issue_token(mail_user)
    current = tmp_path / "current-token"
    current.write_text(first + "\n", encoding="utf-8")
    daemon = Daemon(
        load_settings(oauth_config(tmp_path, dovecot, mail_user, token_command(tmp_path, f"cat {current}")))
    )
    try:
        report = daemon.poll_mailbox(BOX)
        assert report is not None, daemon.last_errors.get(BOX)
        assert (report.new, report.recorded) == (1, 1)
        assert recorded_message_ids(tmp_path) == ["<oauth2-1@example.org>"]

        # The access token expires and the command now prints a fresh one; the open session is cut.
        dovecot.revoke_token(first)
        current.write_text(dovecot.issue_token(mail_user) + "\n", encoding="utf-8")
        dovecot.append(mail_user, "INBOX", mail(2))
        dovecot.restart()  # the open session is cut: the next poll reconnects, running the command again
        report = daemon.poll_mailbox(BOX)
        assert report is not None, f"the reconnect did not run the command again: {daemon.last_errors.get(BOX)}"
        assert (report.new, report.recorded) == (1, 1)
    finally:
        daemon.close()
    assert recorded_message_ids(tmp_path) == ["<oauth2-1@example.org>", "<oauth2-2@example.org>"]


@pytest.mark.parametrize(
    ("body", "said"),
    [
        pytest.param(
            "echo half-a-token-0123456789\necho 'invalid_grant: token expired' >&2\nexit 1",
            "exited 1 without a token",
            id="exit-1",
        ),
        pytest.param("exit 0", "exited 0 without a token", id="prints-nothing"),
        pytest.param(
            "echo half-a-token-0123456789\necho invalid_grant", "printed 2 lines, not one access token", id="two-lines"
        ),
        pytest.param(
            "printf 'half-a-token-0123456789\\001user=invalid_grant'",
            "printed a space or control character, not one access token",
            id="control-character",
        ),
    ],
)
def test_a_failing_token_command_fails_the_poll_in_one_line(
    tmp_path: Path,
    dovecot: DovecotServer,
    mail_user: MailUser,
    caplog: pytest.LogCaptureFixture,
    body: str,
    said: str,
) -> None:
    dovecot.append(mail_user, "INBOX", mail(1))
    daemon = Daemon(load_settings(oauth_config(tmp_path, dovecot, mail_user, token_command(tmp_path, body))))
    try:
        with caplog.at_level(logging.ERROR):
            assert daemon.poll_mailbox(BOX) is None
            assert daemon.poll_mailbox(BOX) is None, "the next poll tries again, and fails the same way"
    finally:
        daemon.close()

    error = daemon.last_errors[BOX]
    assert_one_clean_line(error, ["half-a-token-0123456789", "invalid_grant"])
    assert error.startswith(f"mailbox {BOX}: oauth2_token_command {said} (fix: ")
    assert daemon.failures[BOX] == 2
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in logged] == [f"mailbox {BOX}: {error}"] * 2
    assert all(r.exc_info is None for r in logged), "a failing command is no bug: no traceback"
    assert recorded_message_ids(tmp_path) == []
    assert dovecot.uids(mail_user, "INBOX") == [1], "nothing was touched on the server"
