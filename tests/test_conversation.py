"""Replies to our own mail, and first contact with a mailbox, on a real Dovecot with a real SMTP server.

GIVEN an applicant who got an incomplete notice, WHEN they answer it as Thunderbird, Outlook or Gmail write
answers (quoted text, In-Reply-To and References chains, "RE:", "Réf :"), THEN nothing answers the answer,
except the receipt of a dossier their new documents complete, once. GIVEN a mailbox that holds mail before
inbox-bot ever read it, THEN that backlog is recorded and filed but nobody is answered, nor is any mail older
than `replies.max_age`; `status` and the digest count them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from inbox_bot.cli.main import main
from tests.dovecot import DovecotServer, MailUser
from tests.mailbuilder import MessageBuilder, make_pdf
from tests.pollkit import CHARGE, application
from tests.smtpd import SmtpServer
from tests.test_daemon import db_rows, write_config

pytestmark = pytest.mark.imap

APPLICANT = "candidat1@example.ma"
PASSING = f"Authentication-Results: mx.ngo.example; spf=pass smtp.mailfrom={APPLICANT}\r\n".encode()
SUBJECT = "Candidature_chargé(e) de projet_OMP"
COVER = make_pdf(["Lettre de motivation", "Madame, Monsieur, j'ai l'honneur de vous présenter ma candidature"])
INCOMPLETE = "inbox-bot/omp-charge-projet-2026/incomplete"
REFERENCES = make_pdf(["Liste des références professionnelles", "Missions similaires", "Maître d'ouvrage"])


def configured(tmp_path: Path, dovecot: DovecotServer, user: MailUser, smtp: SmtpServer, replies: str = "") -> Path:
    top = f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\nfrom = "bot@ngo.example"\n'
    top += f"[replies]\n{replies}\n"
    return write_config(tmp_path, dovecot, {"ngo": user}, extra='authserv_ids = ["mx.ngo.example"]', top=top)


def run_once(config: Path, *more: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), "run", "--once", *more], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def answer(
    ours: EmailMessage,
    subject: str,
    in_reply_to: str | None,
    references: str,
    message_id: str,
    attachments: dict[str, bytes],
) -> bytes:
    """An applicant's answer to one of our mails as mail clients write it: our whole text quoted under theirs."""
    now = datetime.now(UTC)
    quoted = "\n".join(f"> {line}" for line in _text(ours).splitlines())
    builder = (
        MessageBuilder()
        .sender("Candidat 1", APPLICANT)
        .to(CHARGE)
        .subject(subject)
        .message_id(message_id)
        .date(now)
        .received(now, by="mx.google.com")
        .header("References", references)
        .body(f"Bonjour,\nVoici ma réponse.\n\nLe {now:%d/%m/%Y}, Candidatures a écrit :\n{quoted}\n")
    )
    if in_reply_to is not None:
        builder = builder.header("In-Reply-To", in_reply_to)
    for name, data in attachments.items():
        builder = builder.attach(name, data)
    return PASSING + builder.build()


def event_reasons(tmp_path: Path, kind: str) -> list[str]:
    rows = db_rows(tmp_path, f"select detail from events where kind = '{kind}' order by id")  # noqa: S608
    return [json.loads(str(row[0]))["reason"] for row in rows]


def test_answers_to_our_notices_are_recorded_never_answered_but_a_completed_dossier_gets_its_receipt_once(
    tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser, smtp_server: SmtpServer
) -> None:
    config = configured(tmp_path, dovecot, mail_user, smtp_server)
    run_once(config)  # the first poll of an empty mailbox: from now on, new mail is answered
    dovecot.append(mail_user, "INBOX", PASSING + application(1))
    run_once(config)
    [notice] = smtp_server.messages()
    notice_id, notice_subject = str(notice["Message-ID"]), str(notice["Subject"])
    assert "lettre de motivation" in _text(notice)

    # Thunderbird: "Re:", In-Reply-To and References, quoted text, nothing attached.
    thunderbird = answer(
        notice, f"Re: {notice_subject}", notice_id, f"<app-1@example.ma> {notice_id}", "<tb-1@x.ma>", {}
    )
    # Outlook: "RE:", no In-Reply-To, only References, Thread-Index: nothing new.
    outlook = answer(notice, f"RE: {notice_subject}", None, f"<app-1@example.ma> {notice_id}", "<ol-1@x.ma>", {})
    outlook = outlook.replace(b"Subject:", b"Thread-Index: AdmZ3f8c1Q==\r\nThread-Topic: x\r\nSubject:", 1)
    dovecot.append_many(mail_user, "INBOX", [thunderbird, outlook])
    run_once(config)
    assert len(smtp_server.messages()) == 1, "an answer to our notice is never answered"
    assert db_rows(tmp_path, "select count(*) from mails") == [(3,)], "every answer is recorded"
    skipped = event_reasons(tmp_path, "reply_skipped")
    assert len(skipped) == 2 and all("answers one of our own messages" in reason for reason in skipped)

    # Gmail: the missing documents attached; the dossier is complete: a receipt, in the same thread.
    documents = {"Lettre_de_motivation.pdf": COVER, "References_missions_similaires.pdf": REFERENCES}
    gmail = answer(notice, f"Re: {notice_subject}", notice_id, notice_id, "<gm-1@x.ma>", documents)
    dovecot.append(mail_user, "INBOX", gmail)
    run_once(config)
    sent = smtp_server.messages()
    assert len(sent) == 2
    receipt = sent[1]
    assert parseaddr(str(receipt["To"]))[1] == APPLICANT and receipt["In-Reply-To"] == "<gm-1@x.ma>"
    assert str(receipt["Subject"]).startswith("Accusé de réception")

    # "Réf : Accusé de réception ...": answering the receipt with one more new file gets nothing: once.
    receipt_id = str(receipt["Message-ID"])
    extra = {"Attestation_bonne_execution.pdf": make_pdf(["Attestation de bonne exécution", "Référents"])}
    reference = answer(receipt, f"Réf : {receipt['Subject']}", receipt_id, receipt_id, "<r2@x.ma>", extra)
    dovecot.append(mail_user, "INBOX", reference)
    run_once(config)
    assert len(smtp_server.messages()) == 2
    assert event_reasons(tmp_path, "reply_skipped")[-1].endswith("for this call (already)")
    assert db_rows(tmp_path, "select count(*) from mails") == [(5,)]


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def test_first_contact_files_the_backlog_and_answers_nobody_then_max_age_holds_back_old_mail(
    tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser, smtp_server: SmtpServer
) -> None:
    config = configured(tmp_path, dovecot, mail_user, smtp_server, 'max_age = "2d"')
    months_ago = datetime.now(UTC) - timedelta(days=200)
    dovecot.append(mail_user, "INBOX", PASSING + application(1), internaldate=months_ago)
    dovecot.append(mail_user, "INBOX", PASSING + application(2).replace(b"candidat2", b"candidat1"))
    run_once(config)
    assert smtp_server.messages() == [], "the first poll answers nobody"
    assert db_rows(tmp_path, "select count(*) from mails") == [(2,)]
    assert db_rows(tmp_path, "select count(*) from ledger where state = 'filed'") == [(2,)], "yet files it all"
    assert [reason.startswith("already in the mailbox") for reason in event_reasons(tmp_path, "reply_backlog")] == [
        True,
        True,
    ]

    # After the first poll: mail our server received three days ago is not answered; today's is.
    three_days_ago = datetime.now(UTC) - timedelta(days=3)
    third = PASSING + application(3).replace(b"candidat3", b"candidat1")
    dovecot.append(mail_user, "INBOX", third, internaldate=three_days_ago)
    run_once(config)
    assert smtp_server.messages() == []
    assert event_reasons(tmp_path, "reply_backlog")[-1].startswith("older than replies.max_age")
    dovecot.append(mail_user, "INBOX", PASSING + application(4).replace(b"candidat4", b"candidat1"))
    run_once(config)
    assert [parseaddr(str(m["To"]))[1] for m in smtp_server.messages()] == [APPLICANT]

    status = CliRunner().invoke(main, ["--config", str(config), "status", "--json"], catch_exceptions=False)
    assert [box["unanswered"] for box in json.loads(status.output)["mailboxes"]] == [3]
    digest = CliRunner().invoke(main, ["--config", str(config), "digest", "--preview"], catch_exceptions=False)
    assert "3 courriel(s) enregistré(s) et classé(s) sans réponse" in digest.output


def dry_run(config: Path) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), "run", "--once", "--dry-run"])


def test_run_once_dry_run_triages_a_real_mailbox_and_changes_nothing(
    tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser, smtp_server: SmtpServer
) -> None:
    config = configured(tmp_path, dovecot, mail_user, smtp_server)
    uids = dovecot.append_many(mail_user, "INBOX", [PASSING + application(1), application(2)])
    folders = dovecot.folders(mail_user)
    result = dry_run(config)
    assert result.exit_code == 0, result.output
    assert "Dry run over 2 mail(s)" in result.output and result.output.count("incomplete") >= 2
    assert "already in the mailbox when inbox-bot first watched it" in result.output  # what a first run would do
    assert not (tmp_path / "var" / "db.sqlite").exists(), "nothing recorded: not even a database"
    assert dovecot.folders(mail_user) == folders and dovecot.uids(mail_user, "INBOX") == uids, "nothing filed"
    assert all(b"\\Seen" not in dovecot.flags(mail_user, "INBOX", uid) for uid in uids), "read with BODY.PEEK"

    # After a real first run, a new mail: the dry run shows the reply a real run would queue, and sends none.
    run_once(config)
    dovecot.append(mail_user, "INBOX", PASSING + application(3).replace(b"candidat3", b"candidat1"))
    before = db_rows(tmp_path, "select count(*) from mails")
    result = dry_run(config)
    assert result.exit_code == 0, result.output
    assert "Dry run over 1 mail(s)" in result.output and "│ incomplete" in result.output
    assert db_rows(tmp_path, "select count(*) from mails") == before
    assert db_rows(tmp_path, "select count(*) from outbox") == [(0,)] and smtp_server.messages() == []


def test_dry_run_without_once_is_refused_and_a_failing_mailbox_exits_3(
    tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser, smtp_server: SmtpServer
) -> None:
    config = configured(tmp_path, dovecot, mail_user, smtp_server)
    refused = CliRunner().invoke(main, ["--config", str(config), "run", "--dry-run"])
    assert refused.exit_code == 2 and "--dry-run goes with --once" in refused.output
    config.write_text(config.read_text(encoding="utf-8").replace(f"port = {dovecot.port}", "port = 1"), "utf-8")
    failed = CliRunner().invoke(main, ["--config", str(config), "run", "--once", "--dry-run"])
    assert failed.exit_code == 3 and "mailbox ngo:" in failed.output


def test_check_reports_each_mailbox_and_the_smtp_server_and_changes_nothing(
    tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser, smtp_server: SmtpServer
) -> None:
    config = configured(tmp_path, dovecot, mail_user, smtp_server)
    dovecot.append_many(mail_user, "INBOX", [application(1), application(2)])
    folders = dovecot.folders(mail_user)
    result = CliRunner().invoke(main, ["--config", str(config), "check", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    [box] = report["mailboxes"]
    assert box["login"] == "ok" and box["error"] == "" and "IMAP4REV1" in box["capabilities"]
    assert box["delimiter"] == dovecot_delimiter(dovecot, mail_user)
    assert box["namespace"] == [["", box["delimiter"]]]
    assert box["can_create"].startswith(("yes", "no", "unknown"))
    assert {"folder": INCOMPLETE, "name": INCOMPLETE, "exists": False} in box["folders"]
    assert box["waiting"] == 2 and report["smtp"].startswith("ok")
    assert dovecot.folders(mail_user) == folders and not (tmp_path / "var" / "db.sqlite").exists()
    assert smtp_server.messages() == []

    # After a run the two are read; one more arrives: one waits, and the folders now exist.
    run_once(config)
    dovecot.append(mail_user, "INBOX", application(3))
    plain = CliRunner().invoke(main, ["--config", str(config), "check"], catch_exceptions=False)
    assert plain.exit_code == 0, plain.output
    assert "login ok" in plain.output and "mails waiting for the next poll: 1" in plain.output
    assert f"{INCOMPLETE} -> {INCOMPLETE} (exists)" in plain.output

    # A mailbox that cannot be reached and an SMTP server that is gone: named, exit 3.
    smtp_server_port = f"port = {smtp_server.port}"
    text = config.read_text(encoding="utf-8").replace(f"port = {dovecot.port}", "port = 1")
    config.write_text(text.replace(smtp_server_port, "port = 2"), encoding="utf-8")
    failed = CliRunner().invoke(main, ["--config", str(config), "check", "--json"])
    assert failed.exit_code == 3
    report = json.loads(failed.output)
    assert report["mailboxes"][0]["login"] == "failed" and report["mailboxes"][0]["error"]
    assert not report["smtp_ok"]


def dovecot_delimiter(dovecot: DovecotServer, user: MailUser) -> str:
    with dovecot.connect(user) as client:
        return str(client.list_folders("", "")[0][1].decode())
