"""Every failed action shows (issue #11 item 4): a filing or sending failure makes the mailbox `degraded` in
`status` (plain and --json), the digest says so in French, the alert goes once after `alert_after`, refused
filings back off, and the fix names the real cause.

Real servers: Cyrus with an account that may not create folders, Courier with a prefix outside its namespace,
Dovecot's "." layout given "/" as its delimiter; aiosmtpd refusing an applicant's address.
"""

from __future__ import annotations

import html
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from inbox_bot.cli.main import main
from inbox_bot.config.settings import load_settings
from inbox_bot.core.reasons import Cause
from inbox_bot.core.wording import HINTS, LANGUAGES
from inbox_bot.daemon.filing import LAST_RETRY, retry_after
from inbox_bot.daemon.scheduler import Daemon
from inbox_bot.outgoing import digest
from inbox_bot.outgoing.mailer import Mailer, refusal_cause
from inbox_bot.sources.imap_failures import cause_of
from inbox_bot.storage.rows import utc_now
from tests.imapservers import CyrusServer, ImapTestServer, MailUser, ServerPool
from tests.pollkit import INCOMPLETE
from tests.smtpd import SmtpServer, free_port
from tests.test_daemon import application, daemon_for, db_rows, write_config

imap = pytest.mark.imap
FULL_RIGHTS = "lrswipkxtecda"  # Cyrus: what an account has on its own INBOX
NO_CREATE = "lrswited"  # everything but k (create) and a (admin)


def status_json(config: Path) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["--config", str(config), "status", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.output)
    return report


def status_plain(config: Path) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), "status"], catch_exceptions=False, terminal_width=400)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def the_mailbox(config: Path) -> dict[str, Any]:
    [box] = status_json(config)["mailboxes"]
    return box


# ---------------------------------------------------------------- filing, on real servers


@imap
def test_a_refused_filing_degrades_the_mailbox_backs_off_and_clears_once_filed(
    tmp_path: Path, imap_servers: ServerPool
) -> None:
    cyrus = imap_servers.get("cyrus")
    assert isinstance(cyrus, CyrusServer)
    user = cyrus.new_user()
    cyrus.set_rights(user, f"user/{user.name}", NO_CREATE)
    cyrus.append(user, "INBOX", application(1))
    config = write_config(tmp_path, cyrus, {"ngo": user})
    daemon = daemon_for(config)
    try:
        first = daemon.poll_mailbox("ngo")
        assert first is not None and (first.recorded, first.filed) == (1, 0)
        # THEN status says the mailbox is degraded: what fails, since when, why, and the fix of that cause
        box = the_mailbox(config)
        assert box["state"] == "degraded" and box["failing_since"] is None, "the poll itself is fine"
        [problem] = box["problems"]
        assert (problem["action"], problem["cause"], problem["folder"]) == ("filing", "permission", INCOMPLETE)
        assert "create folder" in problem["error"] and problem["since"] and problem["failures"] == 1
        assert problem["fix"] == HINTS["fr"][Cause.PERMISSION]
        plain = status_plain(config)
        assert "degraded" in plain and f"filing into {INCOMPLETE} failing since" in plain
        assert "cause: permission" in plain and "à corriger : ce compte n'a pas le droit de créer" in plain
        # WHEN a new mail comes at once: it is tried, the first waits out its back-off
        cyrus.append(user, "INBOX", application(2))
        second = daemon.poll_mailbox("ngo")
        assert second is not None and (second.recorded, second.filed) == (1, 0)
        assert db_rows(tmp_path, "select uid, attempts, state from ledger order by uid") == [
            (1, 1, "recorded"),
            (2, 1, "recorded"),
        ]
        assert the_mailbox(config)["problems"][0]["failures"] == 2
        # WHEN the account may create folders, a new session starts and their time has come
        cyrus.set_rights(user, f"user/{user.name}", FULL_RIGHTS)
        poller = daemon.pollers["ngo"]
        poller.close()  # the old session remembered the refusal
        poller.filer.clock = lambda: utc_now() + retry_after(1) + timedelta(seconds=1)
        third = daemon.poll_mailbox("ngo")
    finally:
        daemon.close()
    # THEN both are filed once, and the mailbox is well again
    assert third is not None and third.filed == 2
    assert db_rows(tmp_path, "select state, count(*) from ledger group by state") == [("filed", 2)]
    assert len(cyrus.uids(user, cyrus.native(INCOMPLETE))) == 2
    assert cyrus.uids(user, "INBOX") == []
    box = the_mailbox(config)
    assert (box["state"], box["problems"]) == ("ok", [])
    assert " ok " in status_plain(config) and "failing since 0" not in status_plain(config)


def _refusing(kind: str, imap_servers: ServerPool) -> tuple[ImapTestServer, MailUser, str]:
    """A server, an account, and the config lines that make its filing fail for one cause."""
    server = imap_servers.get(kind)
    user = server.new_user()
    if kind == "cyrus":
        assert isinstance(server, CyrusServer)
        server.set_rights(user, f"user/{user.name}", NO_CREATE)
        return server, user, ""
    if kind == "courier":  # personal folders live under INBOX.: the top level is another namespace
        return server, user, 'folder_prefix = ""'
    return server, user, 'folder_delimiter = "/"'  # Dovecot's "." layout refuses "/" in a name


@imap
@pytest.mark.parametrize(
    ("kind", "cause", "words"),
    [
        ("cyrus", Cause.PERMISSION, "n'a pas le droit de créer"),
        ("courier", Cause.NAMESPACE, "mettez folder_prefix"),
        ("dovecot-dot", Cause.NAME, "refuse ce nom de dossier"),
    ],
)
def test_the_fix_names_the_real_cause(
    tmp_path: Path, imap_servers: ServerPool, kind: str, cause: Cause, words: str
) -> None:
    server, user, extra = _refusing(kind, imap_servers)
    server.append(user, "INBOX", application(1))
    config = write_config(tmp_path, server, {"ngo": user}, extra=extra)
    result = CliRunner().invoke(main, ["--config", str(config), "run", "--once"])
    assert result.exit_code == 3, result.output
    [problem] = the_mailbox(config)["problems"]
    assert problem["cause"] == cause.value, problem["error"]
    assert words in problem["fix"] and problem["fix"] == HINTS["fr"][cause]
    assert len(server.uids(user, "INBOX")) == 1, "the mail stays where it is"


SMTP = '[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nfrom = "bot@ngo.example"\n'
DIGEST = '[digest]\nalert_after = "2h"\noperator = ["it@ngo.example"]\n'


@imap
def test_the_digest_says_it_in_french_and_the_alert_goes_once_after_alert_after(
    tmp_path: Path, imap_servers: ServerPool, smtp_server: SmtpServer
) -> None:
    server, user, extra = _refusing("courier", imap_servers)
    server.append(user, "INBOX", application(1))
    config = write_config(
        tmp_path, server, {"ngo": user}, extra=extra, top=SMTP.format(port=smtp_server.port) + DIGEST
    )
    settings = load_settings(config)
    assert settings.smtp is not None
    daemon = Daemon(settings)
    try:
        daemon.poll_mailbox("ngo")
        failed_at = utc_now()
        rules, mailer = daemon.rules.current(), Mailer(settings.smtp)

        def alerts(after: timedelta) -> list[str]:
            return digest.send_mailbox_alerts(daemon.store, settings, rules, mailer, now=failed_at + after)

        # THEN no alert before alert_after, one after it, and never a second for the same failure
        assert alerts(timedelta(hours=1)) == []
        assert alerts(timedelta(hours=2, minutes=1)) == ["ngo"]
        assert alerts(timedelta(hours=3)) == [] and alerts(timedelta(days=1)) == []
        [(_, rendered)] = digest.preview(daemon.store, settings, rules, digest.OPERATOR, now=failed_at)
    finally:
        daemon.close()
    [alert] = smtp_server.messages()
    assert alert["To"].addresses[0].addr_spec == "it@ngo.example"
    assert "boîte « ngo », le classement échoue depuis 2 h 0" in str(alert["Subject"])
    body = alert.get_body(("plain",)).get_content()
    assert f"le classement dans « {INCOMPLETE} » échoue depuis le" in body
    assert "À corriger : " + HINTS["fr"][Cause.NAMESPACE] in " ".join(body.split())
    text = " ".join(rendered.text.split())
    assert "ngo : DÉGRADÉE (dernière relève réussie" in text
    assert f"Le classement dans « {INCOMPLETE} » échoue depuis le" in text
    assert "— à corriger : " + HINTS["fr"][Cause.NAMESPACE] in text
    assert rendered.html is not None
    page = html.unescape(rendered.html)
    assert "dégradée" in page and f"Le classement dans « {INCOMPLETE} » échoue depuis le" in page
    assert HINTS["fr"][Cause.NAMESPACE] in page


# ---------------------------------------------------------------- sending, with a real SMTP server


def authenticated(number: int) -> bytes:
    """An application our own server vouches for: inbox-bot answers it."""
    return application(number).replace(
        b"Subject:",
        f"Authentication-Results: mx.ngo.example; spf=pass smtp.mailfrom=candidat{number}@example.ma\r\n".encode()
        + b"Subject:",
        1,
    )


def test_a_refused_reply_degrades_its_mailbox_until_a_reply_goes(
    tmp_path: Path, dovecot: ImapTestServer, mail_user: MailUser, smtp_server: SmtpServer
) -> None:
    top = SMTP.format(port=smtp_server.port)
    config = write_config(tmp_path, dovecot, {"ngo": mail_user}, extra='authserv_ids = ["mx.ngo.example"]', top=top)
    once = ["--config", str(config), "run", "--once"]
    CliRunner().invoke(main, once, catch_exceptions=False)  # first contact: answers nobody
    smtp_server.refuse_rcpt.add("candidat1@example.ma")
    dovecot.append(mail_user, "INBOX", authenticated(1))
    result = CliRunner().invoke(main, once)
    # THEN the run says it failed, and status shows the mailbox degraded, with the cause and its fix
    assert result.exit_code == 3, result.output
    assert "mailbox ngo: sending failed" in result.output
    box = the_mailbox(config)
    assert box["state"] == "degraded"
    [problem] = box["problems"]
    assert (problem["action"], problem["cause"]) == ("sending", "recipient")
    assert "550" in problem["error"] and problem["fix"] == HINTS["fr"][Cause.RECIPIENT]
    assert "sending failing since" in status_plain(config)
    # WHEN the next reply is accepted
    dovecot.append(mail_user, "INBOX", authenticated(2))
    result = CliRunner().invoke(main, once, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert [m["To"].addresses[0].addr_spec for m in smtp_server.messages()] == ["candidat2@example.ma"]
    assert the_mailbox(config)["state"] == "ok"


# ---------------------------------------------------------------- causes and back-off, pure


@pytest.mark.parametrize(
    ("said", "cause"),
    [
        ("NO [CANNOT] Invalid mailbox name: Name must not have '/' characters", Cause.NAME),
        ("NO Client tried to access nonexistent namespace. (Mailbox name should probably be prefixed with: INBOX.)",
         Cause.NAMESPACE),
        ("NO [NOPERM] Permission denied", Cause.PERMISSION),
        ("NO Permission denied", Cause.PERMISSION),
        ("NO [NONEXISTENT] Mailbox doesn't exist: Candidatures", Cause.MISSING),
        ("NO [TRYCREATE] Mailbox does not exist", Cause.MISSING),
        ("NO [ALREADYEXISTS] Mailbox already exists", Cause.NAME),
        ("NO [OVERQUOTA] Quota exceeded (mailbox for user is full)", Cause.QUOTA),
        ("NO [LIMIT] Too many mailboxes", Cause.QUOTA),
        ("BAD Error in IMAP command MOVE: Unknown command.", Cause.CAPABILITY),
        ("BAD Command not supported", Cause.CAPABILITY),
        ("login refused: [AUTHENTICATIONFAILED] Authentication failed.", Cause.AUTH),
        ("the server failed: NO [SERVERBUG] Internal error occurred.", Cause.SERVER),
        ("connection lost (socket error: EOF)", Cause.NETWORK),
        ("NO Something else happened", Cause.OTHER),
    ],
)  # fmt: skip
def test_the_server_s_answer_gives_the_cause(said: str, cause: Cause) -> None:
    assert cause_of(said) == cause


@pytest.mark.parametrize(
    ("code", "recipient", "cause"),
    [(550, True, Cause.RECIPIENT), (554, False, Cause.REFUSED), (552, False, Cause.QUOTA), (452, True, Cause.QUOTA),
     (451, False, Cause.SERVER), (535, False, Cause.AUTH)],
)  # fmt: skip
def test_the_smtp_reply_code_gives_the_cause(code: int, recipient: bool, cause: Cause) -> None:
    assert refusal_cause(code, recipient=recipient) == cause


def test_every_cause_has_its_own_fix_in_every_language() -> None:
    for language in LANGUAGES:
        assert set(HINTS[language]) == set(Cause)
        assert len(set(HINTS[language].values())) == len(Cause), "no two causes share a generic fix"


def test_a_refused_filing_waits_longer_each_time_up_to_six_hours() -> None:
    waits = [retry_after(n) for n in range(1, 12)]
    assert waits[:4] == [timedelta(minutes=m) for m in (5, 10, 20, 40)]
    assert waits == sorted(waits) and waits[-1] == LAST_RETRY == timedelta(hours=6)
    assert retry_after(10_000) == LAST_RETRY


def test_an_smtp_server_out_of_reach_degrades_the_mailboxes_whose_replies_wait(
    tmp_path: Path, dovecot: ImapTestServer, mail_user: MailUser
) -> None:
    top = SMTP.format(port=free_port())  # nothing listens there
    config = write_config(tmp_path, dovecot, {"ngo": mail_user}, extra='authserv_ids = ["mx.ngo.example"]', top=top)
    once = ["--config", str(config), "run", "--once"]
    CliRunner().invoke(main, once, catch_exceptions=False)
    dovecot.append(mail_user, "INBOX", authenticated(1))
    result = CliRunner().invoke(main, once)
    assert result.exit_code == 3, result.output
    [problem] = the_mailbox(config)["problems"]
    assert (problem["action"], problem["cause"]) == ("sending", "network")
    assert "cannot reach SMTP server" in problem["error"] and problem["fix"] == HINTS["fr"][Cause.NETWORK]
    assert db_rows(tmp_path, "select kind, state from outbox") == [("incomplete", "queued")], "it waits, not lost"


def test_a_refused_login_makes_the_mailbox_failing_with_the_auth_fix(
    tmp_path: Path, dovecot: ImapTestServer, mail_user: MailUser
) -> None:
    config = write_config(tmp_path, dovecot, {"ngo": MailUser(mail_user.name, "not-the-password")})
    result = CliRunner().invoke(main, ["--config", str(config), "run", "--once"])
    assert result.exit_code == 3, result.output
    box = the_mailbox(config)
    assert box["state"] == "failing" and box["failing_since"]
    [problem] = box["problems"]
    assert (problem["action"], problem["cause"]) == ("poll", "auth")
    assert problem["fix"] == HINTS["fr"][Cause.AUTH]
    assert "mailbox ngo: poll failing since" in status_plain(config)
