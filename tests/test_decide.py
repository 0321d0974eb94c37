"""Verdicts from plain values: complete, incomplete, late (by our receipt time), duplicate, review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inbox_bot.core.models import DocumentKind, DossierSoFar, MatchResult, ReceivedSource, Verdict
from inbox_bot.core.reasons import ReasonCode, note, reason
from inbox_bot.triage.decide import decide
from tests.values import RULES, doc, english, french, mail

CHARGE = RULES["omp-charge-projet-2026"]
MATCHED = MatchResult(call=CHARGE.id, reasons=[note("subject is the imposed subject")])


NOTHING_YET = DossierSoFar()


def verdict_of(parsed, documents, *, rule=CHARGE, so_far=NOTHING_YET, matched=MATCHED):  # type: ignore[no-untyped-def]
    return decide(parsed, matched, documents, rule, so_far)


FULL = [doc("cv"), doc("cover_letter"), doc("references")]


def test_complete() -> None:
    decision = verdict_of(mail("x"), FULL)
    assert decision.verdict is Verdict.COMPLETE
    assert decision.missing == []


def test_incomplete_lists_what_is_missing_sorted() -> None:
    decision = verdict_of(mail("x"), [doc("cv")])
    assert decision.verdict is Verdict.INCOMPLETE
    assert decision.missing == [DocumentKind.COVER_LETTER, DocumentKind.REFERENCES]
    assert any("lettre de motivation" in r for r in french(decision.reasons))


def test_second_mail_completes_the_dossier() -> None:
    so_far = DossierSoFar(kinds=frozenset({DocumentKind.CV}), mails=1)
    decision = verdict_of(mail("x", message_id="<m2@x>"), [doc("cover_letter"), doc("references")], so_far=so_far)
    assert decision.verdict is Verdict.COMPLETE


# The project officer call closes 2026-05-04 16:00 Morocco time = 15:00 UTC (Morocco at +01 in May 2026).
@pytest.mark.parametrize(
    ("received", "verdict"),
    [
        (datetime(2026, 5, 4, 14, 59, 59, tzinfo=UTC), Verdict.COMPLETE),
        (datetime(2026, 5, 4, 15, 0, 0, tzinfo=UTC), Verdict.LATE),
    ],
)
def test_deadline_in_may_at_utc_plus_one(received: datetime, verdict: Verdict) -> None:
    assert verdict_of(mail("x", received_at=received), FULL).verdict is verdict


def _rule_closing(local: datetime):  # type: ignore[no-untyped-def]
    deadline = CHARGE.deadline.model_copy(update={"local": local})
    return CHARGE.model_copy(update={"deadline": deadline})


@pytest.mark.parametrize(
    ("local", "closes_utc"),
    [
        (datetime(2026, 2, 25, 16, 0), datetime(2026, 2, 25, 16, 0, tzinfo=UTC)),  # Ramadan: +00
        (datetime(2026, 10, 20, 16, 0), datetime(2026, 10, 20, 16, 0, tzinfo=UTC)),  # after 2026-09-20: +00
    ],
)
def test_deadline_on_both_sides_in_february_and_after_september(local: datetime, closes_utc: datetime) -> None:
    rule = _rule_closing(local)
    before = mail("x", received_at=closes_utc - timedelta(seconds=1))
    at = mail("x", received_at=closes_utc)
    assert verdict_of(before, FULL, rule=rule).verdict is Verdict.COMPLETE
    assert verdict_of(at, FULL, rule=rule).verdict is Verdict.LATE


def test_late_by_date_header_alone_is_never_rejected_automatically() -> None:
    parsed = mail("x", received_at=datetime(2026, 6, 1, tzinfo=UTC), source=ReceivedSource.DATE_HEADER)
    decision = verdict_of(parsed, FULL)
    assert decision.verdict is Verdict.NEEDS_REVIEW
    assert any("Date header" in r for r in english(decision.reasons))


def test_oxfam_late_mail_is_held() -> None:
    oxfam = RULES["oxfam-migration-2022"]
    parsed = mail("x", to="procurement.maroc@oxfam.org", received_at=datetime(2022, 1, 22, 9, tzinfo=UTC))
    decision = verdict_of(parsed, [doc("cv")], rule=oxfam, matched=MatchResult(call=oxfam.id, reasons=[note("r")]))
    assert decision.verdict is Verdict.LATE
    assert any("held" in r for r in english(decision.reasons))


def test_extension_moves_the_deadline_for_one_applicant() -> None:
    received = datetime(2026, 5, 5, 9, tzinfo=UTC)
    extended = DossierSoFar(deadline_override=datetime(2026, 5, 6, 15, tzinfo=UTC))
    assert verdict_of(mail("x", received_at=received), FULL).verdict is Verdict.LATE
    assert verdict_of(mail("x", received_at=received), FULL, so_far=extended).verdict is Verdict.COMPLETE


def test_same_message_id_is_a_duplicate() -> None:
    so_far = DossierSoFar(message_ids=frozenset({"<m1@example.ma>"}))
    assert verdict_of(mail("x"), FULL, so_far=so_far).verdict is Verdict.DUPLICATE


def test_same_files_again_is_a_duplicate() -> None:
    so_far = DossierSoFar(document_hashes=frozenset(d.sha256 for d in FULL), kinds=frozenset(d.kind for d in FULL))
    assert verdict_of(mail("x", message_id="<other@x>"), FULL, so_far=so_far).verdict is Verdict.DUPLICATE


def test_auto_reply_is_ignored_before_anything_else() -> None:
    parsed = mail("Réponse automatique", auto_signals=["Auto-Submitted: auto-replied"])
    assert verdict_of(parsed, FULL).verdict is Verdict.IGNORED


def test_unreadable_attachment_needs_review() -> None:
    documents = [doc("cv"), doc("cover_letter", problem=reason(ReasonCode.PASSWORD_PROTECTED)), doc("references")]
    decision = verdict_of(mail("x"), documents)
    assert decision.verdict is Verdict.NEEDS_REVIEW
    assert any("password-protected" in r for r in english(decision.reasons))


def test_cloud_link_instead_of_files_needs_review() -> None:
    parsed = mail("x", links=["https://drive.google.com/drive/folders/abc"])
    assert verdict_of(parsed, []).verdict is Verdict.NEEDS_REVIEW


def test_oxfam_methodology_over_ten_pages_needs_review() -> None:
    oxfam = RULES["oxfam-migration-2022"]
    kinds = ["cv", "financial_offer", "tax_certificate", "code_of_conduct", "signed_terms"]
    documents = [doc("methodology_note", pages=14), *(doc(k) for k in kinds)]
    parsed = mail("x", to="procurement.maroc@oxfam.org", received_at=datetime(2022, 1, 10, tzinfo=UTC))
    decision = verdict_of(parsed, documents, rule=oxfam, matched=MatchResult(call=oxfam.id, reasons=[note("r")]))
    assert decision.verdict is Verdict.NEEDS_REVIEW
    assert any("14 pages" in r for r in english(decision.reasons))


def test_ambiguous_match_needs_review_and_no_match_is_unmatched() -> None:
    ambiguous = MatchResult(call=None, reasons=[note("could be a or b")], ambiguous=["a", "b"])
    assert decide(mail("x"), ambiguous, [], None, DossierSoFar()).verdict is Verdict.NEEDS_REVIEW
    nothing = MatchResult(call=None, reasons=[note("not addressed to any call")])
    assert decide(mail("x"), nothing, [], None, DossierSoFar()).verdict is Verdict.UNMATCHED


def test_server_date_and_received_header_on_either_side_of_the_deadline_need_a_person() -> None:
    # Copied into the mailbox after the deadline (a new INTERNALDATE), though our server received it on time.
    parsed = mail(
        "x",
        received_at=datetime(2026, 5, 20, 9, tzinfo=UTC),
        source=ReceivedSource.SERVER,
    ).model_copy(update={"received_header_at": datetime(2026, 5, 3, 9, tzinfo=UTC)})
    decision = verdict_of(parsed, FULL)
    assert decision.verdict is Verdict.NEEDS_REVIEW
    assert any("Received header" in r for r in english(decision.reasons))


def test_server_date_and_received_header_that_agree_decide_as_usual() -> None:
    received = datetime(2026, 5, 3, 9, tzinfo=UTC)
    parsed = mail("x", received_at=received, source=ReceivedSource.SERVER).model_copy(
        update={"received_header_at": received - timedelta(minutes=3)}
    )
    assert verdict_of(parsed, FULL).verdict is Verdict.COMPLETE
