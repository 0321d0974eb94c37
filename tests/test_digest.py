"""The daily digest per organisation and the mailbox alert, sent to a real SMTP server on 127.0.0.1 and
parsed back: each organisation sees its own calls only; "new since the last digest" is exact across restarts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from inbox_bot.cli.main import main
from inbox_bot.config.settings import Settings
from inbox_bot.core.models import Verdict
from inbox_bot.operator.overrides import override
from inbox_bot.outgoing import digest, outbox
from inbox_bot.outgoing.mailer import Mailer
from inbox_bot.storage.store import Store
from tests.smtpd import (
    SmtpServer,
    document,
    parsed_mail,
    raw_for,
    record,
    smtp_settings,
    triage_result,
)
from tests.values import RULES

REPO_RULES = Path(__file__).resolve().parents[1] / "rules"
OMP, OXFAM = "Observatoire Marocain des Prisons (OMP)", "Oxfam Maroc"
OMP_TO, OXFAM_TO, OPS = "direction@omp.example", "equipe@oxfam.example", "ops@ngo.example"
APRIL = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)  # Morocco is UTC+1 then


def settings_for(server: SmtpServer | None, tmp_path: Path, **digest_settings: Any) -> Settings:
    organisations = [{"name": OMP, "to": [OMP_TO]}, {"name": OXFAM, "to": [OXFAM_TO]}]
    mailboxes = [{"name": "omp-box", "host": "127.0.0.1", "username": "omp", "password_env": "OMP_IMAP_PASSWORD",
                  "addresses": ["omdp.direction.2@gmail.com"]}]  # fmt: skip
    return smtp_settings(
        server, tmp_path, rules_dir=REPO_RULES, mailboxes=mailboxes,
        digest={"organisations": organisations, "operator": [OPS], **digest_settings},
    )  # fmt: skip


def add(store: Store, call: str | None, verdict: str, sender: str, *, to: str = "", subject: str = "Candidature",
        missing: tuple[str, ...] = (), docs: tuple[str, ...] = (), n: list[int] = [0]) -> int:  # noqa: B006
    """Record one triaged mail (no reply) the way intake does."""
    n[0] += 1
    to = to or (RULES[call].addresses[0] if call else "contact@elsewhere.example")
    parsed = parsed_mail(message_id=f"<m{n[0]}@example.ma>", sender=sender, sender_name=sender.split("@")[0].title(),
                         recipients=[to], subject=subject, received_at=APRIL + timedelta(minutes=n[0]))  # fmt: skip
    documents = [document(kind, f"{kind}.pdf", f"{sender}{kind}".encode()) for kind in docs]
    return int(store.record(raw_for(parsed), triage_result(parsed, call, verdict, missing, documents), []))


def digests(server: SmtpServer) -> dict[str, EmailMessage]:
    return {str(m["To"]): m for m in server.messages() if m["Auto-Submitted"] == "auto-generated"}


def text(message: EmailMessage, kind: str = "plain") -> str:
    part = message.get_body((kind,))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def section(body: str, title: str) -> str:
    """One block of the text digest: from its title to the next blank line."""
    found = re.search(rf"^{title}.*?(?=\n\n)", body, re.M | re.S)
    return found.group(0) if found else ""


def send(store: Store, settings: Settings, now: datetime = APRIL, **kw: Any) -> digest.DigestRun:
    assert settings.smtp is not None
    return digest.send_digest_now(store, settings, RULES, Mailer(settings.smtp), now=now, **kw)


def test_each_organisation_sees_its_own_calls_and_applicants_only(
    tmp_path: Path, store: Store, smtp_server: SmtpServer
) -> None:
    settings = settings_for(smtp_server, tmp_path)
    add(store, "omp-charge-projet-2026", "incomplete", "karim@example.ma", missing=("references",), docs=("cv",))
    add(store, "omp-charge-projet-2026", "complete", "nadia@example.ma", docs=("cv", "cover_letter", "references"))
    add(store, "oxfam-migration-2022", "complete", "salma@example.ma", docs=("cv",))
    run = send(store, settings)
    assert sorted(run.queued) == sorted([OMP, OXFAM, digest.OPERATOR])
    assert "Collectif HAKAMA (AJJ)" in run.skipped  # no recipients configured for it
    sent = digests(smtp_server)
    assert set(sent) == {OMP_TO, OXFAM_TO, OPS}
    omp, oxfam, ops = text(sent[OMP_TO]), text(sent[OXFAM_TO]), text(sent[OPS])
    assert "karim@example.ma" in omp and "nadia@example.ma" in omp and "salma@example.ma" not in omp
    assert "salma@example.ma" in oxfam and "karim@example.ma" not in oxfam
    assert not any(a in ops for a in ("karim@", "nadia@", "salma@"))
    assert "Manque : références de missions ou de projets similaires" in omp
    assert "Messages – complets : 1 · incomplets : 1 (total 2)" in omp
    assert "14 jours restants" in omp  # 20 April to the 4 May deadline, in Morocco
    assert "clôturé depuis" in oxfam  # its deadline was in 2022
    assert sent[OMP_TO]["Subject"] == f"inbox-bot – {OMP} – digest du 20/04/2026"
    kept = [bytes(r["message"]) for r in store.db.query("select message from outbox where kind = 'digest'")]
    assert kept == [b"", b"", b""]  # sent digests name applicants: no copy stays in the outbox


def test_html_digest_reads_without_external_resources(tmp_path: Path, store: Store, smtp_server: SmtpServer) -> None:
    settings = settings_for(smtp_server, tmp_path)
    add(store, "omp-charge-projet-2026", "incomplete", "karim@example.ma", missing=("references",))
    add(store, "omp-charge-projet-2026", "complete", "<b>nadia</b>@example.ma")
    send(store, settings, organisation=OMP)
    [message] = smtp_server.messages()
    assert message.get_content_type() == "multipart/alternative"
    html = text(message, "html")
    assert "<img" not in html and "http://" not in html and "https://" not in html and "<style" not in html
    assert 'bgcolor="#2e7d32"' in html and 'width="50%"' in html  # one bar of two, drawn with a table cell
    assert "&lt;b&gt;nadia&lt;/b&gt;@example.ma" in html  # applicant data is escaped, never markup
    assert "Manque : références de missions" in html


def test_new_since_the_last_digest_is_exact_across_a_restart(
    tmp_path: Path, store: Store, smtp_server: SmtpServer
) -> None:
    settings = settings_for(smtp_server, tmp_path)
    add(store, "omp-charge-projet-2026", "incomplete", "karim@example.ma", missing=("references",))
    send(store, settings, organisation=OMP)
    store.close()
    store = Store(tmp_path / "db.sqlite", tmp_path / "storage")
    add(store, "omp-cabinet-2026", "complete", "cabinet@conseil.example")
    send(store, settings, now=APRIL + timedelta(days=1), organisation=OMP)
    first, second = (text(m) for m in smtp_server.messages())
    assert "karim@example.ma" in section(first, "DOSSIERS ENCORE INCOMPLETS")
    assert "cabinet@conseil.example" in section(second, "DOSSIERS COMPLETS")
    assert "karim@example.ma" not in second
    assert "Depuis le dernier digest (20/04/2026 10:00" in second


def test_a_day_with_nothing_new_still_says_so_unless_told_not_to(
    tmp_path: Path, store: Store, smtp_server: SmtpServer
) -> None:
    settings = settings_for(smtp_server, tmp_path)
    send(store, settings, organisation=OXFAM)
    [message] = smtp_server.messages()
    assert "Rien de nouveau depuis le dernier digest." in text(message)
    assert message["Subject"].endswith("(rien de nouveau)")
    quiet = settings_for(smtp_server, tmp_path, send_empty=False)
    now = APRIL + timedelta(days=1)
    run = digest.send_digest_if_due(store, quiet, RULES, None, now=now)
    assert OXFAM in run.skipped and len(smtp_server.messages()) == 1
    assert not digest.is_due(store, OXFAM, quiet.digest.time, now + timedelta(hours=1))  # today's is done


def test_unmatched_mail_goes_to_the_organisations_whose_address_received_it(
    tmp_path: Path, store: Store, smtp_server: SmtpServer
) -> None:
    settings = settings_for(smtp_server, tmp_path)
    add(store, None, "unmatched", "stagiaire@example.ma", to="procurement.maroc@oxfam.org", subject="Demande de stage")
    add(store, None, "unmatched", "vendeur@example.com", to="contact@elsewhere.example", subject="Promo imprimantes")
    send(store, settings)
    sent = digests(smtp_server)
    assert "Demande de stage" in section(text(sent[OXFAM_TO]), "MESSAGES NON ATTRIBUÉS")
    assert "MESSAGES NON ATTRIBUÉS" not in text(sent[OMP_TO])
    ops = text(sent[OPS])
    assert "Promo imprimantes" in ops and "Demande de stage" not in ops


def test_late_held_review_and_replies_show(tmp_path: Path, store: Store, smtp_server: SmtpServer) -> None:
    settings = settings_for(smtp_server, tmp_path)
    add(store, "oxfam-migration-2022", "late", "tardif@example.ma")
    unauthenticated = parsed_mail(message_id="<forged@example.ma>", sender="forged@example.ma",
                                  return_path="forged@example.ma", authentication_results=[])  # fmt: skip
    rule = RULES["oxfam-migration-2022"]
    record(store, settings, rule, unauthenticated, triage_result(unauthenticated, rule.id, "incomplete", ["cv"]))
    answered = parsed_mail(message_id="<ok@example.ma>")
    record(store, settings, rule, answered, triage_result(answered, rule.id, "incomplete", ["cv"]))
    assert settings.smtp is not None
    assert outbox.deliver_pending(store, Mailer(settings.smtp)).sent == 1
    lost = {"kind": "receipt", "call": rule.id, "rcpt": ["lost@example.ma"], "message_id": "<x@y.z>", "message": b"x"}
    outbox.enqueue(store, lost)
    store.db.execute("update outbox set state = 'unknown' where message_id = '<x@y.z>'")
    send(store, settings, organisation=OXFAM)
    body = text(digests(smtp_server)[OXFAM_TO])
    assert "tardif@example.ma" in section(body, "CANDIDATURES EN RETARD CONSERVÉES À PART")
    review = section(body, "À VÉRIFIER")
    assert "forged@example.ma" in review and "l'adresse de l'expéditeur n'est pas authentifiée" in review
    assert "Envoyées : 1" in body
    assert "Sort inconnu (interrompu pendant l'envoi, non renvoyé) : receipt à lost@example.ma" in body


def test_due_once_a_day_from_the_configured_time_in_morocco(tmp_path: Path, store: Store) -> None:
    settings = settings_for(None, tmp_path, time="08:00")
    assert not digest.is_due(store, OMP, "08:00", datetime(2026, 4, 20, 6, 59, tzinfo=UTC))  # 07:59 in Rabat
    assert digest.is_due(store, OMP, "08:00", datetime(2026, 4, 20, 7, 0, tzinfo=UTC))
    run = digest.send_digest_if_due(store, settings, RULES, None, now=datetime(2026, 4, 20, 7, 0, tzinfo=UTC))
    assert OMP in run.queued
    assert not digest.is_due(store, OMP, "08:00", datetime(2026, 4, 20, 22, 0, tzinfo=UTC))
    assert digest.is_due(store, OMP, "08:00", datetime(2026, 4, 21, 7, 0, tzinfo=UTC))
    # Since 20 September 2026 Morocco keeps UTC+00: 08:00 in Rabat is 08:00 UTC.
    assert not digest.is_due(store, OMP, "08:00", datetime(2026, 10, 1, 7, 59, tzinfo=UTC))
    assert digest.is_due(store, OMP, "08:00", datetime(2026, 10, 1, 8, 0, tzinfo=UTC))


def failing(store: Store, since: datetime, error: str = "AUTHENTICATIONFAILED Invalid credentials") -> None:
    store.db.execute("delete from mailbox_health")
    store.db.execute(
        "insert into mailbox_health (mailbox, folder, last_ok_at, last_error, last_error_at, failing_since) "
        "values ('omp-box', 'INBOX', ?, ?, ?, ?)",
        [(since - timedelta(minutes=5)).isoformat(), error, APRIL.isoformat(), since.isoformat()],
    )


def test_a_mailbox_failing_too_long_alerts_at_once_once_per_episode(
    tmp_path: Path, store: Store, smtp_server: SmtpServer
) -> None:
    settings = settings_for(smtp_server, tmp_path, alert_after="2h")
    assert settings.smtp is not None
    mailer = Mailer(settings.smtp)
    failing(store, APRIL - timedelta(hours=1))
    assert digest.send_mailbox_alerts(store, settings, RULES, mailer, now=APRIL) == []  # not long enough yet
    failing(store, APRIL - timedelta(hours=3))
    assert digest.send_mailbox_alerts(store, settings, RULES, mailer, now=APRIL) == ["omp-box"]
    assert digest.send_mailbox_alerts(store, settings, RULES, mailer, now=APRIL + timedelta(hours=1)) == []
    [alert] = smtp_server.messages()
    assert set(alert["To"].addresses[i].addr_spec for i in range(2)) == {OPS, OMP_TO}  # not Oxfam's people
    assert "omp-box" in alert["Subject"] and "3 h 00" in alert["Subject"]
    assert "AUTHENTICATIONFAILED Invalid credentials" in text(alert)
    failing(store, APRIL + timedelta(days=1))  # it worked again, then failed again: a new episode
    assert digest.send_mailbox_alerts(store, settings, RULES, mailer, now=APRIL + timedelta(days=1, hours=3)) == [
        "omp-box"
    ]
    send(store, settings, now=APRIL + timedelta(days=1, hours=3), organisation=OMP)
    assert "EN PANNE depuis" in section(text(smtp_server.messages()[-1]), "BOÎTES AUX LETTRES")


def test_no_mailbox_health_table_is_no_problem(tmp_path: Path, store: Store) -> None:
    settings = settings_for(None, tmp_path)
    store.db.execute("drop table mailbox_health")
    assert digest.send_mailbox_alerts(store, settings, RULES, None, now=APRIL) == []
    [(_, rendered)] = digest.preview(store, settings, RULES, OMP, now=APRIL)
    assert "BOÎTES AUX LETTRES" not in rendered.text


# ---------------------------------------------------------------- the command


def config_file(tmp_path: Path, server: SmtpServer) -> Path:
    path = tmp_path / "inbox-bot.toml"
    path.write_text(
        f"""rules_dir = "{REPO_RULES}"
database = "var/db.sqlite"
storage = "var/storage"

[smtp]
host = "127.0.0.1"
port = {server.port}
security = "none"
from = "bot@ngo.example"

[digest]
time = "07:30"
operator = ["{OPS}"]

[[digest.organisations]]
name = "{OXFAM}"
to = ["{OXFAM_TO}"]
""",
        encoding="utf-8",
    )
    return path


def test_digest_preview_prints_and_writes_html_then_send_sends(tmp_path: Path, smtp_server: SmtpServer) -> None:
    config = config_file(tmp_path, smtp_server)
    runner = CliRunner()
    refused = runner.invoke(main, ["--config", str(config), "digest", "--preview"])
    assert refused.exit_code == 2 and "run --once` first" in refused.output  # no database yet: nothing to digest
    Store(tmp_path / "var" / "db.sqlite", tmp_path / "var" / "storage").close()  # as a first `run --once` leaves it
    html = tmp_path / "digest.html"
    shown = runner.invoke(main, ["--config", str(config), "digest", "--preview", "--organisation", OXFAM,
                                 "--html", str(html)])  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert f"To: {OXFAM_TO}" in shown.output and "Rien de nouveau" in shown.output
    assert "<html" in html.read_text(encoding="utf-8")
    assert smtp_server.messages() == []  # a preview sends nothing
    every = runner.invoke(main, ["--config", str(config), "digest", "--preview", "--html", str(html)])
    assert every.exit_code == 0, every.output
    assert (tmp_path / "digest-oxfam-maroc.html").exists()
    assert (tmp_path / "digest-observatoire-marocain-des-prisons-omp.html").exists()
    sent = runner.invoke(main, ["--config", str(config), "digest", "--send", "--organisation", OXFAM])
    assert sent.exit_code == 0, sent.output
    assert [str(m["To"]) for m in smtp_server.messages()] == [OXFAM_TO]
    wrong = runner.invoke(main, ["--config", str(config), "digest"])
    assert wrong.exit_code == 2 and "--preview or --send" in wrong.output


def test_the_operator_sees_counts_and_health_not_the_applicants_of_any_organisation(
    tmp_path: Path, store: Store, smtp_server: SmtpServer
) -> None:
    settings = settings_for(smtp_server, tmp_path)
    rule = RULES["omp-charge-projet-2026"]
    bounced = {"kind": "receipt", "call": rule.id, "rcpt": ["karim@example.ma"], "message_id": "<r@y.z>",
               "message": b"x"}  # fmt: skip
    outbox.enqueue(store, bounced)
    store.db.execute("update outbox set state = 'failed', last_error = '550 5.1.1 <karim@example.ma>: unknown user'")
    send(store, settings)
    sent = digests(smtp_server)
    omp, ops = text(sent[OMP_TO]), text(sent[OPS])
    assert "Échec : receipt à karim@example.ma" in omp  # her own applicant: she may write to him
    assert "karim" not in ops and "karim" not in text(sent[OPS], "html")
    assert f"Échec : receipt à un candidat de {rule.id} – 550 5.1.1 <[adresse]>: unknown user" in ops


def test_a_rejected_dossier_is_counted_per_call_and_never_listed_as_work(
    tmp_path: Path, store: Store, smtp_server: SmtpServer
) -> None:
    settings = settings_for(smtp_server, tmp_path)
    call = "omp-charge-projet-2026"
    first = add(store, call, "incomplete", "karim@example.ma", missing=("references", "cv"))
    add(store, call, "incomplete", "karim@example.ma", missing=("references",))
    add(store, call, "complete", "nadia@example.ma")
    override(store, RULES, f"A{first}", Verdict.REJECTED, [], "hors du champ de l'appel")
    send(store, settings, organisation=OMP)
    [message] = smtp_server.messages()
    body = text(message)
    assert "karim@example.ma" not in body, "a rejected dossier is no work to do, not even by its earlier mail"
    assert "nadia@example.ma" in section(body, "DOSSIERS COMPLETS")
    assert "incomplets : 1 · " in body and "rejetés : 1" in body and "(total 3)" in body
    html = text(message, "html")
    assert "rejetés" in html and 'bgcolor="#37474f"' in html and "karim@example.ma" not in html
