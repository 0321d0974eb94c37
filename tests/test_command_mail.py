"""The coordinator acts by replying to her digest, on a real Dovecot with a real SMTP server (issue #13, item 3).

GIVEN a digest really sent (captured by aiosmtpd), WHEN its recipient answers it from her listed address,
authenticated by the mailbox's own server, with command lines above the quoted digest, THEN each clear line is
applied at once (an override, an extension, back to the rules), recorded as an event naming her and the mail,
and confirmed by one short French reply (Auto-Submitted, In-Reply-To her mail) listing what was done and what
was refused and why; the command mail itself is recorded, filed as mail for no call, never judged as an
application, never given a receipt. Bad input: a typo, HTML only, quoted under the digest, signed, forwarded,
Arabic digits, sent twice, an unauthenticated sender, a stranger, an out-of-office: clear lines applied once,
the others refused with a reason, nothing else changes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import parseaddr
from pathlib import Path

import pytest
from click.testing import CliRunner

from inbox_bot.cli.main import main
from inbox_bot.core.timezones import MOROCCO, zone
from tests.dovecot import DovecotServer, MailUser
from tests.mailbuilder import MessageBuilder
from tests.pollkit import application
from tests.smtpd import SmtpServer
from tests.test_conversation import run_once
from tests.test_daemon import db_rows, write_config

pytestmark = pytest.mark.imap

OMP = "Observatoire Marocain des Prisons (OMP)"
COORDINATOR = "coord@omp.ma"
OXFAM = "k.amrani@oxfam.org"
SERVER = "mx.ngo.example"
CALL = "omp-charge-projet-2026"


def configured(tmp_path: Path, dovecot: DovecotServer, user: MailUser, smtp: SmtpServer) -> Path:
    top = (
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\nfrom = "bot@ngo.example"\n'
        f'[[digest.organisations]]\nname = "{OMP}"\nto = ["{COORDINATOR}"]\n'
        f'[[digest.organisations]]\nname = "Oxfam Maroc"\nto = ["{OXFAM}"]\n'
    )
    return write_config(tmp_path, dovecot, {"ngo": user}, extra=f'authserv_ids = ["{SERVER}"]', top=top)


def passing(address: str, server: str = SERVER) -> bytes:
    domain = address.rpartition("@")[2]
    header = f"Authentication-Results: {server}; dkim=pass header.d={domain}; spf=pass smtp.mailfrom={address}"
    return f"{header}\r\n".encode()


def send_digest(config: Path, smtp: SmtpServer) -> EmailMessage:
    result = CliRunner().invoke(main, ["--config", str(config), "digest", "--send", "--organisation", OMP])
    assert result.exit_code == 0, result.output
    # `run --once` may have sent the day's digest already: hers is the one just sent
    return [m for m in smtp.messages() if str(m["Subject"]).startswith("inbox-bot – ")][-1]


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def reply(
    digest: EmailMessage,
    lines: str,
    message_id: str,
    *,
    sender: str = COORDINATOR,
    subject: str | None = None,
    threaded: bool = True,
) -> MessageBuilder:
    """Her answer as Thunderbird writes it: her lines, an attribution, the whole digest quoted with "> "."""
    now = datetime.now(UTC)
    quoted = "\n".join(f"> {line}" for line in text_of(digest).splitlines())
    builder = (
        MessageBuilder()
        .sender("Coordinatrice", sender)
        .to("bot@ngo.example")
        .subject(subject or f"Re: {digest['Subject']}")
        .message_id(message_id)
        .date(now)
        .received(now, by=SERVER)
        .body(f"{lines}\n\nLe {now:%d/%m/%Y} à 08:00, inbox-bot a écrit :\n{quoted}\n")
    )
    if threaded:
        parent = str(digest["Message-ID"])
        builder = builder.header("In-Reply-To", parent).header("References", parent)
    return builder


def confirmations(smtp: SmtpServer) -> list[EmailMessage]:
    return [m for m in smtp.messages() if str(m["Message-ID"]).startswith("<confirmation.")]


def applications(tmp_path: Path) -> dict[str, str]:
    """sender -> the application's ID as the digest shows it (A + its first mail's number)."""
    rows = db_rows(tmp_path, "select sender, min(id) from mails where call is not null group by sender")
    return {str(sender): f"A{first}" for sender, first in rows}


def events(tmp_path: Path, kind: str) -> list[dict[str, object]]:
    rows = db_rows(tmp_path, f"select detail from events where kind = '{kind}' order by id")  # noqa: S608
    return [json.loads(str(row[0])) for row in rows]


def verdicts(tmp_path: Path) -> dict[str, str]:
    """The latest verdict of each applicant's deciding mail."""
    rows = db_rows(tmp_path, "select sender, verdict from mails where call is not null order by id")
    return {str(sender): str(verdict) for sender, verdict in rows}


@pytest.fixture
def started(
    tmp_path: Path, dovecot: DovecotServer, mail_user: MailUser, smtp_server: SmtpServer
) -> tuple[Path, EmailMessage, dict[str, str]]:
    """Three OMP applications recorded, and the OMP digest really sent."""
    config = configured(tmp_path, dovecot, mail_user, smtp_server)
    run_once(config)  # first contact: from now on mail is new
    dovecot.append_many(mail_user, "INBOX", [application(1), application(2), application(3)])
    run_once(config)
    digest = send_digest(config, smtp_server)
    ids = applications(tmp_path)
    assert ids["candidat1@example.ma"] in text_of(digest), "the digest shows the IDs she quotes back"
    return config, digest, ids


def test_she_acts_by_replying_and_gets_one_confirmation_in_french(
    tmp_path: Path,
    dovecot: DovecotServer,
    mail_user: MailUser,
    smtp_server: SmtpServer,
    started: tuple[Path, EmailMessage, dict[str, str]],
) -> None:
    config, digest, ids = started
    a1, a2, a3 = ids["candidat1@example.ma"], ids["candidat2@example.ma"], ids["candidat3@example.ma"]
    lines = (
        f"Bonjour,\n{a1} complet\n{a2} prolonger 01/06/2030 12h00\n{a3} compelt\nA999 complet\n"
        f"prolonger oxfam-migration-2022 2031-01-01 12:00\n{a3} prolonger 2020-01-01\n{a3} non attribué\n"
        f"prolonger {CALL} 2030-07-01\nMerci"
    )
    mail = passing(COORDINATOR) + reply(digest, lines, "<cmd-1@omp.ma>").build()
    dovecot.append(mail_user, "INBOX", mail)
    before = len(smtp_server.messages())
    run_once(config)

    assert verdicts(tmp_path)["candidat1@example.ma"] == "complete", "the override is applied at once"
    assert db_rows(tmp_path, "select applicant, until from extensions") == [
        ("candidat2@example.ma", datetime(2030, 6, 1, 12, tzinfo=zone(MOROCCO)).astimezone(UTC).isoformat()),
        (None, datetime(2030, 7, 2, tzinfo=zone(MOROCCO)).astimezone(UTC).isoformat()),  # the whole of 1 July
    ]
    done = events(tmp_path, "command")
    assert [(e["author"], e["message_id"], e["action"]) for e in done] == [
        (COORDINATOR, "<cmd-1@omp.ma>", "verdict"), (COORDINATOR, "<cmd-1@omp.ma>", "extend"),
        (COORDINATOR, "<cmd-1@omp.ma>", "extend"),
    ]  # fmt: skip
    assert all(e["mail"] == db_rows(tmp_path, "select max(id) from mails")[0][0] for e in done)
    assert (done[2]["call"], done[2]["ident"]) == (CALL, ""), "the whole call's extension"
    assert str(events(tmp_path, "override")[0]["note"]).startswith(f"par courriel de {COORDINATOR}")

    # The command mail: recorded for no call, ignored, left in the inbox; no receipt, not in the next digest.
    sql = "select verdict, call, reasons from mails where sender = 'coord@omp.ma'"
    [(verdict, call, reasons)] = db_rows(tmp_path, sql)
    assert (verdict, call) == ("ignored", None) and "operator_command" in str(reasons)
    [confirmation] = confirmations(smtp_server)
    assert len(smtp_server.messages()) == before + 1, "one confirmation, nothing else"
    assert parseaddr(str(confirmation["To"]))[1] == COORDINATOR
    assert confirmation["Auto-Submitted"] == "auto-replied" and confirmation["In-Reply-To"] == "<cmd-1@omp.ma>"
    assert str(confirmation["Subject"]) == "inbox-bot – vos commandes : 3 appliquée(s), 5 refusée(s)"
    text = text_of(confirmation)
    assert f"{a1} complet → {a1} : décision « complet » enregistrée" in text
    assert f"{a2} : délai prolongé jusqu'au 01/06/2030 à 12:00:00 (heure du Maroc)" in text
    assert "« compelt » n'est pas une décision connue" in text
    assert "A999 : identifiant inconnu pour votre organisation" in text
    assert "oxfam-migration-2022 : appel inconnu pour votre organisation" in text, "another organisation's call"
    assert "n'est pas après la date limite de l'appel" in text
    assert f"{a3} : la décision « non attribué » ne se donne pas par courriel" in text
    assert f"{CALL} : délai de tout l'appel prolongé jusqu'au 02/07/2030 à 00:00:00" in text
    assert "Merci" not in text.split("Refusé :")[1], "her own words are no command"

    # Delivered again (same bytes): linked, nothing applied twice, no second confirmation.
    dovecot.append(mail_user, "INBOX", mail)
    # Sent again (same Message-ID, another path): recorded, not applied again.
    dovecot.append(mail_user, "INBOX", mail.replace(b"Bonjour,", b"Bonjour !", 1))
    run_once(config)
    assert len(events(tmp_path, "command")) == 3 and len(confirmations(smtp_server)) == 1
    assert len(events(tmp_path, "command_again")) == 1
    assert db_rows(tmp_path, "select count(*) from overrides") == [(1,)]

    # "annuler": back to the rules, the override and the extension gone; the confirmation itself, come back
    # into the mailbox, is no command (Auto-Submitted, our own Message-ID).
    # She answers the confirmation this time, not the digest.
    first = confirmations(smtp_server)[0]
    undo = (
        passing(COORDINATOR)
        + reply(digest, f"annuler {a1}\ncancel {a2}\nannuler {a3}", "<cmd-2@omp.ma>", threaded=False,
                subject=f"Re: {first['Subject']}")
        .header("In-Reply-To", str(first["Message-ID"]))
        .header("References", f"<cmd-1@omp.ma> {first['Message-ID']}")
        .build()
    )
    echoed = bytes(smtp_server.received[-1].data)
    dovecot.append_many(mail_user, "INBOX", [undo, echoed])
    run_once(config)
    assert verdicts(tmp_path)["candidat1@example.ma"] == "incomplete"
    assert db_rows(tmp_path, "select applicant from extensions") == [(None,)], "the call's stays"
    second = confirmations(smtp_server)[-1]
    assert len(confirmations(smtp_server)) == 2 and second["In-Reply-To"] == "<cmd-2@omp.ma>"
    assert f"{a1} : retour à la décision automatique" in text_of(second)
    assert f"{a3} : aucune décision ni prolongation à annuler" in text_of(second)
    assert db_rows(tmp_path, "select count(*) from commands") == [(2,)]

    # The next digest shows none of the command mails as new mail, and re-triage leaves them alone.
    later = CliRunner().invoke(main, ["--config", str(config), "digest", "--preview", "--organisation", OMP])
    assert "(rien de nouveau)" in later.output and "Coordinatrice" not in later.output
    retriaged = CliRunner().invoke(main, ["--config", str(config), "retriage", "--all", "--json"])
    assert retriaged.exit_code == 0, retriaged.output
    assert db_rows(tmp_path, "select distinct verdict, call from mails where sender = 'coord@omp.ma'") == [
        ("ignored", None)
    ]


def test_bad_input_clear_lines_applied_once_the_rest_refused_and_strangers_get_nothing(
    tmp_path: Path,
    dovecot: DovecotServer,
    mail_user: MailUser,
    smtp_server: SmtpServer,
    started: tuple[Path, EmailMessage, dict[str, str]],
) -> None:
    config, digest, ids = started
    a1, a2, a3 = ids["candidat1@example.ma"], ids["candidat2@example.ma"], ids["candidat3@example.ma"]
    digest_id = str(digest["Message-ID"])

    # HTML only, as some webmails send it: the digest under a Gmail quote block.
    html = EmailMessage()
    html.set_content(
        f"<div dir=ltr>{a1} compl&egrave;te</div><div class=gmail_quote><div class=gmail_attr>Le ven. 4 d&eacute;c."
        f" 2026, inbox-bot a &eacute;crit&nbsp;:</div><blockquote>{a3} complet</blockquote></div>",
        subtype="html",
    )
    html_only = reply(digest, "", "<html-1@omp.ma>").content(html).build()
    # Signed (multipart/signed): the text part is read, the signature is a file.
    signed_part = MIMEMultipart("signed", protocol="application/pkcs7-signature", micalg="sha-256")
    signed_part.attach(MIMEText(f"{a2} incomplet\n-- \nFatima\n", "plain", "utf-8"))
    signed_part.attach(MIMEApplication(b"0\x82\x01", "pkcs7-signature", name="smime.p7s"))
    signed = reply(digest, "", "<signed-1@omp.ma>").content(signed_part).build()
    # Forwarded to the bot with her line on top: no In-Reply-To, "TR:" and the digest's subject.
    forwarded = reply(
        digest,
        f"{a3} ignoré\n\n-------- Message transféré --------\nSujet : {digest['Subject']}\n{a1} complet",
        "<fwd-1@omp.ma>",
        subject=f"TR: {digest['Subject']}",
        threaded=False,
    ).build()
    # Arabic-Indic digits, from Outlook with its header block above the unquoted digest.
    arabic = reply(
        digest,
        "A" + a1[1:].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")) + " prolonger ٠١/٠٦/٢٠٣٠ ١٢h٠٠\n\n"
        f"De : inbox-bot <bot@ngo.example>\nEnvoyé : vendredi\nÀ : {COORDINATOR}\n{a2} complet",
        "<ar-1@omp.ma>",
    ).build()
    dovecot.append_many(mail_user, "INBOX", [passing(COORDINATOR) + m for m in (html_only, signed, forwarded, arabic)])
    run_once(config)
    assert [(e["message_id"], e["ident"], e["action"], e.get("verdict")) for e in events(tmp_path, "command")] == [
        ("<html-1@omp.ma>", a1, "verdict", "complete"),
        ("<signed-1@omp.ma>", a2, "verdict", "incomplete"),
        ("<fwd-1@omp.ma>", a3, "verdict", "ignored"),
        ("<ar-1@omp.ma>", a1, "extend", None),
    ]
    assert len(confirmations(smtp_server)) == 4
    assert db_rows(tmp_path, "select count(*) from outbox where kind in ('receipt', 'incomplete', 'late')") == [
        (0,)
    ], "no command mail is ever answered as an application"
    sent_before = len(smtp_server.messages())

    # Not authenticated by our server (no header, or one our server did not write): nothing applied; the
    # refusal goes to the organisation's listed address, not to whoever wrote, and names no applicant.
    forged = reply(digest, f"{a1} rejeté\n{a2} complet", "<forged-1@x.ma>").build()
    elsewhere = passing(COORDINATOR, "mx.evil.example") + reply(digest, f"{a3} complet", "<forged-2@x.ma>").build()
    # A stranger, authenticated for their own domain, who got hold of the digest's Message-ID.
    stranger = passing("eve@evil.example") + reply(digest, f"{a1} complet", "<eve-1@evil.example>",
                                                   sender="eve@evil.example").build()  # fmt: skip
    # Another organisation's coordinator answering the OMP digest.
    oxfam = passing(OXFAM) + reply(digest, f"{a1} complet", "<ox-1@oxfam.org>", sender=OXFAM).build()
    # An out-of-office answering the digest: no command mail at all, and never answered.
    away = (
        passing(COORDINATOR)
        + reply(digest, "Je suis absente jusqu'au 10.", "<away-1@omp.ma>")
        .header("Auto-Submitted", "auto-replied")
        .build()
    )
    dovecot.append_many(mail_user, "INBOX", [forged, elsewhere, stranger, oxfam, away])
    run_once(config)
    assert len(events(tmp_path, "command")) == 4, "nothing applied"
    refusals = smtp_server.messages()[sent_before:]
    assert len(refusals) == 4, "one refusal per refused command mail, none for the out-of-office"
    assert {parseaddr(str(m["To"]))[1] for m in refusals} == {COORDINATOR}
    texts = [text_of(m) for m in refusals]
    assert sum("coord@omp.ma n'est pas authentifié par notre serveur" in t for t in texts) == 2
    assert any("eve@evil.example n'est pas une adresse de l'organisation" in t for t in texts)
    assert any(f"{OXFAM} n'est pas une adresse de l'organisation" in t for t in texts)
    assert not any("candidat" in t for t in texts), "a refusal names no applicant"
    assert all(m["In-Reply-To"] is None and m["Auto-Submitted"] == "auto-replied" for m in refusals)
    states = db_rows(tmp_path, "select message_id, state from commands order by id")[-4:]
    assert [state for _, state in states] == ["refused"] * 4
    [(away_verdict,)] = db_rows(tmp_path, "select verdict from mails where message_id = '<away-1@omp.ma>'")
    assert away_verdict != "complete" and db_rows(
        tmp_path, "select count(*) from commands where message_id = '<away-1@omp.ma>'"
    ) == [(0,)]
    assert digest_id  # the thread they all answered

    # Eve goes on, a mail a minute: the organisation hears of one more refusal that day, then of none.
    sent_before = len(smtp_server.messages())
    more = [
        passing("eve@evil.example")
        + reply(digest, f"{a1} complet", f"<eve-{n}@evil.example>", sender="eve@evil.example").build()
        for n in range(2, 6)
    ]
    dovecot.append_many(mail_user, "INBOX", more)
    run_once(config)
    assert len(smtp_server.messages()) == sent_before + 1, "at most five refusals told a day"
    assert len(events(tmp_path, "command_refusal_not_told")) == 3
    assert db_rows(tmp_path, "select count(*) from commands where state = 'refused'") == [(8,)], "each one recorded"


def test_she_rejects_by_replying_and_no_applicant_hears_of_it(
    tmp_path: Path,
    dovecot: DovecotServer,
    mail_user: MailUser,
    smtp_server: SmtpServer,
    started: tuple[Path, EmailMessage, dict[str, str]],
) -> None:
    config, digest, ids = started
    a1, a2, a3 = ids["candidat1@example.ma"], ids["candidat2@example.ma"], ids["candidat3@example.ma"]
    to_applicants = "select count(*) from outbox where kind != 'confirmation'"
    outbox_before = db_rows(tmp_path, to_applicants)
    lines = f"{a1} rejeté\n{a2} rejete\n{a3} : écarté, hors du champ de l'appel\nMerci"
    dovecot.append(mail_user, "INBOX", passing(COORDINATOR) + reply(digest, lines, "<cmd-rej@omp.ma>").build())
    run_once(config)

    assert {verdicts(tmp_path)[f"candidat{n}@example.ma"] for n in (1, 2, 3)} == {"rejected"}
    assert db_rows(tmp_path, to_applicants) == outbox_before, "no notice to a rejected applicant"
    [confirmation] = confirmations(smtp_server)
    assert str(confirmation["Subject"]) == "inbox-bot – vos commandes : 3 appliquée(s), 0 refusée(s)"
    text = text_of(confirmation)
    for ident in (a1, a2, a3):
        assert f"{ident} : décision « rejeté » enregistrée" in text
    rows = CliRunner().invoke(main, ["--config", str(config), "applications", "--verdict", "rejected", "--json"])
    assert sorted(json.loads(line)["id"] for line in rows.output.splitlines()) == sorted([a1, a2, a3])

    # In English, and undone: back to the rules' verdict.
    again = passing(COORDINATOR) + reply(digest, f"{a1} rejected\ncancel {a2}", "<cmd-rej-2@omp.ma>").build()
    dovecot.append(mail_user, "INBOX", again)
    run_once(config)
    assert verdicts(tmp_path)["candidat1@example.ma"] == "rejected"
    assert verdicts(tmp_path)["candidat2@example.ma"] != "rejected"
    second = text_of(confirmations(smtp_server)[-1])
    assert f"{a1} : décision « rejeté » enregistrée" in second and f"{a2} : retour à la décision automatique" in second
    assert db_rows(tmp_path, to_applicants) == outbox_before
