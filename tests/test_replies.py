"""Replies to applicants: when (and when never) to answer, to whom, what the reply says — sent to a real
SMTP server on 127.0.0.1 and parsed back."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from inbox_bot.core.errors import ConfigError
from inbox_bot.core.models import ParsedMail, Replies, Rule
from inbox_bot.core.reasons import Reason, ReasonCode
from inbox_bot.outgoing import compose, outbox, replies
from inbox_bot.outgoing.mailer import Mailer
from inbox_bot.storage.store import Store
from tests.smtpd import (
    APPLICANT,
    AUTHSERV,
    PASSING,
    SmtpServer,
    document,
    parsed_mail,
    raw_for,
    record,
    smtp_settings,
    triage_result,
)
from tests.values import RULES

CHARGE = RULES["omp-charge-projet-2026"]  # replies on, French, deadline 04/05/2026 16:00, late = reject
OXFAM = RULES["oxfam-migration-2022"]  # late = hold
OWN = replies.own_addresses(["bot@ngo.example"], RULES.values())
CV, LETTER = b"%PDF-1.7 cv of Karim", b"%PDF-1.7 letter of Karim"


def plan(parsed: ParsedMail, verdict: str = "incomplete", rule: Rule | None = CHARGE, headers=()):  # type: ignore[no-untyped-def]
    result = triage_result(parsed, rule.id if rule else None, verdict, ["references"])
    return replies.plan_reply(result, rule, parsed, list(headers), OWN, {AUTHSERV})


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


# ---------------------------------------------------------------- which reply, if any


@pytest.mark.parametrize(
    ("verdict", "kind"), [("complete", "receipt"), ("incomplete", "incomplete"), ("late", "late")]
)
def test_each_answered_verdict_gets_its_kind_of_reply(verdict: str, kind: str) -> None:
    assert plan(parsed_mail(), verdict) == replies.Plan(kind, APPLICANT, "Karim Alaoui")  # type: ignore[arg-type]


@pytest.mark.parametrize("verdict", ["ignored", "unmatched", "duplicate", "needs_review"])
def test_no_reply_to_mail_that_is_not_an_application_we_judged(verdict: str) -> None:
    assert plan(parsed_mail(), verdict) is None


def test_no_reply_when_the_call_does_not_enable_replies_or_that_kind() -> None:
    assert plan(parsed_mail(), rule=CHARGE.model_copy(update={"replies": Replies(enabled=False)})) is None
    only_receipts = CHARGE.model_copy(update={"replies": Replies(enabled=True, kinds=["receipt"])})
    assert plan(parsed_mail(), "incomplete", rule=only_receipts) is None
    assert plan(parsed_mail(), "unmatched", rule=None) is None


@pytest.mark.parametrize(
    "header",
    [
        ("Auto-Submitted", "auto-replied"),
        ("Auto-Submitted", "auto-generated"),
        ("Precedence", "bulk"),
        ("Precedence", "list"),
        ("Precedence", "junk"),
        ("List-Id", "<candidats.lists.example.ma>"),
        ("List-Unsubscribe", "<mailto:leave@lists.example.ma>"),
        ("List-Post", "<mailto:candidats@lists.example.ma>"),
        ("Return-Path", "<>"),
        ("X-Auto-Response-Suppress", "All"),
    ],
)
def test_machine_mail_is_never_answered(header: tuple[str, str]) -> None:
    found = plan(parsed_mail(), headers=[header])
    assert isinstance(found, replies.Skip)
    assert not found.review
    assert "machine mail" in found.reason


def test_auto_submitted_no_is_a_person() -> None:
    assert isinstance(plan(parsed_mail(), headers=[("Auto-Submitted", "no")]), replies.Plan)


def test_the_parsers_own_signals_are_enough() -> None:
    assert isinstance(plan(parsed_mail(auto_signals=["Precedence: bulk"])), replies.Skip)


@pytest.mark.parametrize(
    "sender", ["mailer-daemon@example.ma", "postmaster@example.ma", "noreply@example.ma", "no-reply@example.ma",
               "do-not-reply@example.ma", "MAILER-DAEMON@example.ma"],
)  # fmt: skip
def test_no_reply_to_daemons_and_noreply_senders(sender: str) -> None:
    found = plan(parsed_mail(sender=sender.lower(), return_path=sender.lower()))
    assert isinstance(found, replies.Skip)


def test_an_empty_return_path_means_no_reply() -> None:
    found = plan(parsed_mail(return_path=""))
    assert isinstance(found, replies.Skip)
    assert "Return-Path" in found.reason


@pytest.mark.parametrize("ours", ["omdp.direction.2@gmail.com", "procurement.maroc@oxfam.org", "bot@ngo.example"])
def test_never_a_reply_to_our_own_addresses(ours: str) -> None:
    found = plan(parsed_mail(sender=ours, return_path=ours))
    assert isinstance(found, replies.Skip)
    assert "our own" in found.reason


def test_the_reply_goes_to_the_return_path_then_from_never_reply_to() -> None:
    # RFC 3834 section 4: the envelope sender, which our server recorded as Return-Path.
    via_service = parsed_mail(
        return_path="karim+candidatures@mail.example.ma",
        authentication_results=[f"{AUTHSERV}; spf=pass smtp.mailfrom=karim+candidatures@mail.example.ma"],
    )
    assert plan(via_service) == replies.Plan("incomplete", "karim+candidatures@mail.example.ma", "")
    # A bulk sender's bounce handler as envelope sender: nobody would read the reply there.
    bounce = via_service.model_copy(update={"return_path": "bounce-4521@mail.example.ma"})
    assert isinstance(plan(bounce), replies.Skip)
    no_return_path = parsed_mail(return_path=None)
    assert plan(no_return_path, headers=[("Reply-To", "someone.else@example.org")]) == replies.Plan(
        "incomplete", APPLICANT, "Karim Alaoui"
    )


@pytest.mark.parametrize("address", ["karim alaoui@example.ma", "karim@@example.ma", "karim@localhost", "karim@ex..ma"])
def test_a_malformed_address_is_not_answered(address: str) -> None:
    found = plan(parsed_mail(return_path=address))
    assert isinstance(found, replies.Skip)
    assert "malformed" in found.reason


# ---------------------------------------------------------------- authentication: no backscatter


@pytest.mark.parametrize(
    "results",
    [
        [],  # nobody vouched for the sender
        ["mx.elsewhere.example; spf=pass smtp.mailfrom=karim.alaoui@example.ma"],  # not our server
        [f"{AUTHSERV}; spf=fail smtp.mailfrom=karim.alaoui@example.ma; dkim=none; dmarc=fail header.from=example.ma"],
        [f"{AUTHSERV}; dkim=pass header.d=forger.example; spf=softfail smtp.mailfrom=karim.alaoui@example.ma"],
        # ours says fail; a header further down, written by someone else with our id, says pass
        [f"{AUTHSERV}; spf=fail smtp.mailfrom=karim.alaoui@example.ma", PASSING],
    ],
)
def test_an_unauthenticated_sender_is_flagged_for_review_not_answered(results: list[str]) -> None:
    found = plan(parsed_mail(authentication_results=results))
    assert isinstance(found, replies.Skip)
    assert found.review


@pytest.mark.parametrize(
    "results",
    [
        [f"{AUTHSERV}; spf=pass smtp.mailfrom=karim.alaoui@example.ma"],
        [f"{AUTHSERV.upper()} 1; dkim=pass (good signature) header.d=example.ma header.s=s1; spf=neutral"],
        [f"{AUTHSERV}; dmarc=pass (p=none dis=none) header.from=example.ma"],
        [f"{AUTHSERV}; dkim=pass header.i=@example.ma"],
    ],
)
def test_spf_dkim_or_dmarc_pass_for_the_senders_domain_is_enough(results: list[str]) -> None:
    assert isinstance(plan(parsed_mail(authentication_results=results)), replies.Plan)


def test_a_dossier_forwarded_by_our_staff_is_answered_to_its_applicant() -> None:
    staff = parsed_mail(authentication_results=[f"{AUTHSERV}; spf=pass smtp.mailfrom=karim.alaoui@example.ma"])
    result = triage_result(staff, CHARGE.id, "incomplete", ["references"]).model_copy(
        update={"sender": "sara.bennani@example.org", "sender_name": "Sara Bennani", "forwarded_by": staff.sender})
    found = replies.plan_reply(result, CHARGE, staff, [], OWN, {AUTHSERV})
    assert isinstance(found, replies.Plan)
    assert (found.to, found.to_name) == ("sara.bennani@example.org", "Sara Bennani")


def test_authentication_results_are_parsed_with_comments() -> None:
    header = "mx.google.com; spf=pass (google.com: domain of a@b.ma (x; y) designates 1.2.3.4) smtp.mailfrom=a@b.ma"
    expected = ("mx.google.com", [("spf", "pass", {"smtp.mailfrom": "a@b.ma"})])
    assert replies.parse_authentication_results(header) == expected


# ---------------------------------------------------------------- what the reply says


def context(verdict: str, rule: Rule = CHARGE, missing=("references",), documents=()):  # type: ignore[no-untyped-def]
    result = triage_result(parsed_mail(), rule.id, verdict, missing, documents)
    return replies.reply_context(result, rule, replies.KIND_OF_VERDICT[result.verdict], earlier=[], override=None)


def test_incomplete_in_french_names_the_missing_pieces_and_the_deadline_in_morocco_time() -> None:
    text = compose.render_reply("incomplete", "fr", context("incomplete"), template_dir=None, call=CHARGE.id)
    assert text.subject == "Votre dossier est incomplet – Programme DIALOGUE"
    assert "- références de missions ou de projets similaires" in text.text
    # 16:00 in Rabat: the deadline as the call states it, not in UTC.
    assert "avant le 04/05/2026 à 16:00 (heure du Maroc)" in text.text
    assert CHARGE.title in text.text
    assert "20/04/2026 à 10:14:00 (heure du Maroc)" in text.text  # received 09:14 UTC, Morocco is UTC+1 in April


@pytest.mark.parametrize(("language", "words"), [("ar", "ملفكم غير مكتمل"), ("en", "Your dossier still lacks")])
def test_arabic_and_english_versions(language: str, words: str) -> None:
    rule = CHARGE.model_copy(update={"replies": Replies(enabled=True, language=language)})  # type: ignore[arg-type]
    text = compose.render_reply("incomplete", language, context("incomplete", rule), template_dir=None, call=rule.id)
    assert words in text.text + text.subject
    assert "04/05/2026" in text.text
    assert replies.KIND_LABELS[language][replies.DocumentKind.REFERENCES] in text.text  # type: ignore[index]


def test_late_wording_follows_the_calls_late_policy() -> None:
    rejected = compose.render_reply("late", "fr", context("late"), template_dir=None, call=CHARGE.id)
    held = compose.render_reply("late", "fr", context("late", OXFAM), template_dir=None, call=OXFAM.id)
    assert "irrecevable" in rejected.text
    assert "conservée à part" in held.text
    assert "au plus tard le 21/01/2022 à 23:59 (heure du Maroc)" in held.text  # a date-only deadline: that whole day


def test_a_calls_own_template_overrides_and_a_broken_one_names_the_call_and_template(tmp_path: Path) -> None:
    (tmp_path / "reply_receipt.fr.txt").write_text('{% set subject = "Reçu" %}Merci, {{ call_title }}.\n')
    (tmp_path / "reply_incomplete.fr.txt").write_text("Il manque {{ missing | join(', ') \n")
    ok = compose.render_reply("receipt", "fr", context("complete"), template_dir=tmp_path, call=CHARGE.id)
    assert ok == compose.Rendered(subject="Reçu", text=f"Merci, {CHARGE.title}.\n")
    with pytest.raises(ConfigError) as caught:
        compose.render_reply("incomplete", "fr", context("incomplete"), template_dir=tmp_path, call=CHARGE.id)
    assert f"call {CHARGE.id}: template reply_incomplete.fr.txt" in str(caught.value)
    assert "line 1" in str(caught.value)
    (tmp_path / "reply_late.fr.txt").write_text("{{ no_such_name }}")
    with pytest.raises(ConfigError, match=r"reply_late\.fr\.txt .*no_such_name"):
        compose.render_reply("late", "fr", context("late"), template_dir=tmp_path, call=CHARGE.id)


def test_a_template_error_never_holds_up_triage(tmp_path: Path, store: Store) -> None:
    folder = tmp_path / "rules" / "templates-charge"
    folder.mkdir(parents=True)
    (folder / "reply_incomplete.fr.txt").write_text("{% if %}")
    rule = CHARGE.model_copy(update={"replies": Replies(enabled=True, template_dir="templates-charge")})
    settings = smtp_settings(None, tmp_path)
    parsed = parsed_mail()
    mail_id = record(store, settings, rule, parsed, triage_result(parsed, rule.id, "incomplete", ["references"]))
    assert store.mails()[0]["verdict"] == "incomplete"  # recorded all the same
    events = {e["kind"]: e["detail"] for e in store.events(mail_id)}
    assert "template reply_incomplete.fr.txt" in events["reply_failed"]["reason"]
    assert outbox.status(store)["queued"] == 0


# ---------------------------------------------------------------- sent for real, parsed back


def deliver(store: Store, settings, server: SmtpServer) -> list[EmailMessage]:  # type: ignore[no-untyped-def]
    assert settings.smtp is not None
    report = outbox.deliver_pending(store, Mailer(settings.smtp))
    assert report.error is None
    return server.messages()


def test_incomplete_reply_sent_and_parsed_back(tmp_path: Path, store: Store, smtp_server: SmtpServer) -> None:
    settings = smtp_settings(smtp_server, tmp_path)
    parsed = parsed_mail()
    result = triage_result(parsed, CHARGE.id, "incomplete", ["references"], [document("cv", "CV.pdf", CV)])
    record(store, settings, CHARGE, parsed, result)
    [reply] = deliver(store, settings, smtp_server)
    [envelope] = smtp_server.received
    assert envelope.mail_from == "<>"  # RFC 3834: a null envelope sender, so nothing answers our answer
    assert envelope.rcpt == [APPLICANT]
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["In-Reply-To"] == "<cand-1@example.ma>"
    assert reply["References"] == "<earlier-0@example.ma> <cand-1@example.ma>"
    expected_id = replies.message_id("incomplete", CHARGE.id, "<cand-1@example.ma>", APPLICANT, domain="ngo.example")
    assert reply["Message-ID"] == expected_id
    assert reply["To"] == f"Karim Alaoui <{APPLICANT}>"
    assert reply["Reply-To"] == "omdp.direction.2@gmail.com"
    text = body(reply)
    assert "Il manque encore à votre dossier" in text
    assert "références de missions ou de projets similaires" in text
    assert "avant le 04/05/2026 à 16:00 (heure du Maroc)" in text
    assert "CV.pdf" in text


def test_receipt_states_facts_each_file_with_size_and_sha256(
    tmp_path: Path, store: Store, smtp_server: SmtpServer
) -> None:
    settings = smtp_settings(smtp_server, tmp_path)
    first = parsed_mail(message_id="<cand-1@example.ma>")
    record(store, settings, CHARGE, first, triage_result(first, CHARGE.id, "incomplete", ["cover_letter"],
                                                          [document("cv", "CV.pdf", CV)]))  # fmt: skip
    second = parsed_mail(message_id="<cand-2@example.ma>", received_at=first.received_at + timedelta(days=1))
    docs = [document("cover_letter", "Lettre.pdf", LETTER)]
    record(store, settings, CHARGE, second, triage_result(second, CHARGE.id, "complete", [], docs))
    messages = deliver(store, settings, smtp_server)
    receipt = next(m for m in messages if m["Subject"].startswith("Accusé de réception"))
    text = body(receipt)
    # The kinds are a machine's reading: by default the receipt states what came, never that the dossier is complete
    assert "complet :" not in text and "preuve de dépôt" not in text
    assert "cet accusé ne dit pas encore s'il est complet" in text
    assert "Reçue le 21/04/2026 à 10:14:00 (heure du Maroc)" in text
    for name, content in (("CV.pdf", CV), ("Lettre.pdf", LETTER)):  # the whole dossier, both mails
        assert f"- {name} ({len(content)} octets)" in text
        assert f"SHA-256 : {document('cv', name, content).sha256}" in text


def test_header_values_from_the_mail_cannot_inject_headers(
    tmp_path: Path, store: Store, smtp_server: SmtpServer
) -> None:
    settings = smtp_settings(smtp_server, tmp_path)
    parsed = parsed_mail(sender_name="Karim\r\nBcc: victim@example.org", subject="x\r\nBcc: victim@example.org")
    record(store, settings, CHARGE, parsed, triage_result(parsed, CHARGE.id, "incomplete", ["references"]))
    [reply] = deliver(store, settings, smtp_server)
    assert reply["Bcc"] is None
    assert smtp_server.received[0].rcpt == [APPLICANT]
    assert reply["To"].addresses[0].addr_spec == APPLICANT
    assert b"\r\nBcc:" not in smtp_server.received[0].data


def test_one_reply_of_a_kind_per_sender_and_call_in_the_window(tmp_path: Path, store: Store) -> None:
    settings = smtp_settings(None, tmp_path)
    first, second = parsed_mail(message_id="<a@example.ma>"), parsed_mail(message_id="<b@example.ma>")
    record(store, settings, CHARGE, first, triage_result(first, CHARGE.id, "incomplete", ["references"]))
    second_id = record(store, settings, CHARGE, second, triage_result(second, CHARGE.id, "incomplete", ["references"]))
    assert outbox.status(store)["queued"] == 1
    assert "within" in {e["kind"]: e["detail"] for e in store.events(second_id)}["reply_skipped"]["reason"]
    later = parsed_mail(message_id="<c@example.ma>")
    result = triage_result(later, CHARGE.id, "incomplete", ["references"])
    record(store, settings, CHARGE, later, result, now=first.received_at + timedelta(days=400))
    assert outbox.status(store)["queued"] == 2  # the window is over


def test_an_unauthenticated_sender_gets_nothing_and_the_mail_is_flagged(tmp_path: Path, store: Store) -> None:
    settings = smtp_settings(None, tmp_path)
    parsed = parsed_mail(authentication_results=[])
    mail_id = record(store, settings, CHARGE, parsed, triage_result(parsed, CHARGE.id, "incomplete", ["references"]))
    assert outbox.status(store)["queued"] == 0
    withheld = {e["kind"]: e["detail"] for e in store.events(mail_id)}["reply_withheld"]
    assert withheld["review"] is True


def test_the_same_reply_is_never_queued_twice(tmp_path: Path, store: Store) -> None:
    settings = smtp_settings(None, tmp_path)
    parsed = parsed_mail()
    result = triage_result(parsed, CHARGE.id, "incomplete", ["references"])
    raw = raw_for(parsed)
    for _ in range(2):  # the same bytes again: the store records nothing, and no second reply
        if store.mail_id_by_hash(raw.sha256) is not None:
            continue  # recorded already: the poller neither triages nor answers it again
        planned = outbox.plan_reply(store, parsed, result, CHARGE, settings, {AUTHSERV}, raw=raw)
        assert planned is not None
        with store.transaction() as tx:
            outbox.queue(tx, tx.record_mail(raw, result, []), planned)
    assert outbox.status(store)["queued"] == 1


@pytest.mark.parametrize(("allowed", "problem", "said"), [(True, None, True), (False, None, False),
                                                          (True, "password_protected", False)])
def test_a_receipt_says_complete_only_where_the_call_allows_and_every_file_was_read(
    allowed: bool, problem: str | None, said: bool
) -> None:
    rule = CHARGE.model_copy(update={"replies": CHARGE.replies.model_copy(update={"receipt_says_complete": allowed})})
    parsed = parsed_mail()
    cv = document("cv", "CV.pdf", CV)
    if problem is not None:
        cv = cv.model_copy(update={"problem": Reason(code=ReasonCode(problem))})
    result = triage_result(parsed, rule.id, "complete", [], [cv])
    context = replies.reply_context(result, rule, "receipt", earlier=[], override=None)
    text = compose.render_reply("receipt", "fr", context, template_dir=None, call=rule.id).text
    assert ("Votre dossier est complet" in text) is said
