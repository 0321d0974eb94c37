"""Dossiers whose files do not map one to one onto the kinds (issue #12): combined files, forwards, mail about
other business at a shared address, and the bad input each of them invites."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from inbox_bot.core.models import RawMail, TriageResult, Verdict
from inbox_bot.core.reasons import ReasonCode
from inbox_bot.core.wording import render
from inbox_bot.triage.classify import kind_from_name
from inbox_bot.triage.forwards import inline_forwards
from inbox_bot.triage.pipeline import MemoryHistory, Pipeline
from tests.corpus import texts as t
from tests.corpus.forwards import INLINE, Original
from tests.mailbuilder import MessageBuilder, make_docx, make_pdf_pages
from tests.values import RULES

PERSON = t.person(3)
CV, LETTER = t.cv_fr(PERSON, "Chargé de projet"), t.letter_fr(PERSON, "chargé de projet")
METHOD, PRICE = t.methodology("Cabinet Test", "policy paper migration"), t.financial("Cabinet Test", 1)
OMP_WHEN = datetime(2026, 4, 20, 9, tzinfo=UTC)
OXFAM_WHEN = datetime(2022, 1, 10, 9, tzinfo=UTC)


def triage(raw: bytes) -> TriageResult:
    mail = RawMail(source="test.eml", raw=raw, sha256=hashlib.sha256(raw).hexdigest())
    return Pipeline(RULES).triage(mail, MemoryHistory()).result


def omp_mail(*files: tuple[str, bytes], subject: str = "Candidature_chargé(e) de projet_OMP",
             sender: tuple[str, str] = (PERSON.name, PERSON.address), body: str = "Bonjour, ci-joint.") -> bytes:
    builder = (MessageBuilder().sender(*sender).to("omdp.direction.2@gmail.com").subject(subject)
               .message_id(f"{hashlib.sha256(repr(files).encode()).hexdigest()[:12]}@test").received(OMP_WHEN)
               .body(body))
    for name, data in files:
        builder.attach(name, data)
    return builder.build()


def kinds(result: TriageResult) -> dict[str, list[str]]:
    return {d.filename: d.all_kinds() for d in result.documents}


# ---------------------------------------------------------------- one file, several documents


def test_a_cv_then_its_letter_in_one_pdf_satisfies_both_kinds_with_their_pages() -> None:
    references = make_docx(t.referees(PERSON)[0])
    result = triage(omp_mail(("doc.pdf", make_pdf_pages([*CV, *LETTER])), ("refs_nejjar.docx", references)))
    (combined,) = [d for d in result.documents if d.filename == "doc.pdf"]
    assert combined.kind.value == "cv"  # the main kind: what the file opens with and mostly is
    pages = {found.kind: found.pages for found in combined.kinds}
    assert pages == {"cv": list(range(1, len(CV) + 1)), "cover_letter": [len(CV) + 1]}
    (holds,) = [r for r in combined.reasons if r.code is ReasonCode.HOLDS_KINDS]
    assert holds.params["kinds"] == "cv,cover_letter" and "cover_letter (p. " in holds.params["detail"]
    assert render(holds) == "doc.pdf : plusieurs pièces dans un seul fichier : CV, lettre de motivation"
    assert kinds(result)["refs_nejjar.docx"] == ["references"]
    assert result.verdict is Verdict.COMPLETE
    summary = result.summary()["documents"]
    assert isinstance(summary, list)
    assert summary[0]["kind"] == "cv" and summary[0]["kinds"] == ["cv", "cover_letter"]


def test_a_technical_and_financial_offer_names_the_method_pages_and_the_price_table() -> None:
    offer = make_pdf_pages([*METHOD, *PRICE])
    result = triage(omp_mail(("Offre technique et financière.pdf", offer), subject="Candidature_ Consultation_"
                                                                                   "Cabinet_Projet OMP"))
    (document,) = result.documents
    found = {item.kind: item for item in document.kinds}
    assert set(found) == {"methodology_note", "financial_offer"}
    assert found["methodology_note"].pages == [1, 2] and found["financial_offer"].pages == [3]
    assert any("total ttc" in evidence.lower() or "offre financière" in evidence.lower()
               for evidence in found["financial_offer"].evidence)
    assert result.missing == ["administrative_file", "cv", "references"]


def test_a_word_file_with_page_breaks_typed_by_hand_is_read_page_by_page() -> None:
    data = make_docx([*CV[0], "\f", *LETTER[0]])
    result = triage(omp_mail(("CV et lettre.docx", data)))
    assert kinds(result) == {"CV et lettre.docx": ["cv", "cover_letter"]}
    assert result.missing == ["references"]


@pytest.mark.parametrize(("name", "kind"), [("refs_nejjar.docx", "references"), ("Recommandations.pdf", "references"),
                                            ("Dossier_admin_Tazi.pdf", "administrative_file")])
def test_names_applicants_give_say_the_kind(name: str, kind: str) -> None:
    assert kind_from_name(name) == kind


def test_a_file_of_one_kind_holds_that_kind_alone() -> None:
    result = triage(omp_mail(("CV.pdf", make_pdf_pages(CV))))
    assert [d.kinds for d in result.documents] == [[]]
    assert kinds(result) == {"CV.pdf": ["cv"]}


def test_a_letter_that_mentions_the_attached_cv_is_no_cv() -> None:
    letter = [[*LETTER[0][:4], "Vous trouverez ci-joint mon curriculum vitae.", *LETTER[0][4:]]]
    result = triage(omp_mail(("LM.pdf", make_pdf_pages([*letter, ["Page 2 : suite de la lettre", PERSON.name]]))))
    assert kinds(result) == {"LM.pdf": ["cover_letter"]}


# ---------------------------------------------------------------- bad input


def test_a_combined_file_that_matches_every_kind_gets_a_verdict_with_its_reasons() -> None:
    every = [*CV, *LETTER, *t.referees(PERSON), *METHOD, *PRICE, *t.administrative("X", 1), *t.tax("X", 1),
             *t.code_of_conduct("X"), *t.terms("X")]
    result = triage(omp_mail(("tout.pdf", make_pdf_pages(every))))
    assert set(kinds(result)["tout.pdf"]) >= {"cv", "cover_letter", "references", "methodology_note",
                                             "financial_offer", "tax_certificate", "code_of_conduct"}
    assert result.verdict is Verdict.COMPLETE
    assert any(r.code is ReasonCode.HOLDS_KINDS for r in result.documents[0].reasons)


def test_a_300_page_pdf_is_judged_from_its_first_and_last_pages() -> None:
    pages = [*CV, *[[f"Annexe {n}", "Tableau de données"] for n in range(297)], *LETTER]
    data = make_pdf_pages(pages)
    result = triage(omp_mail(("Candidature_complete.pdf", data)))
    (document,) = result.documents
    assert document.pages == 300
    assert set(document.all_kinds()) == {"cv", "cover_letter"}  # the first pages and the last ones
    assert result.verdict is Verdict.INCOMPLETE and result.missing == ["references"]


def test_pages_without_text_leave_the_kind_to_the_name() -> None:
    result = triage(omp_mail(("CV_scan.pdf", make_pdf_pages([[""], [""], [""]]))))
    assert kinds(result) == {"CV_scan.pdf": ["cv"]}
    assert any(r.code is ReasonCode.NO_TEXT for r in result.documents[0].reasons)
    assert result.verdict is Verdict.INCOMPLETE


# ---------------------------------------------------------------- forwards


ORIGINAL = Original("Sara Bennani", "sara.bennani@gmail.com", "k.amrani@oxfam.org", "Consultance migration",
                    OXFAM_WHEN, "Bonjour,\nci-joint mon offre.\nSara")


@pytest.mark.parametrize("style", sorted(INLINE))
def test_each_clients_inline_forward_names_the_original_sender(style: str) -> None:
    (found,) = inline_forwards("Pour traitement.\n\n" + INLINE[style](ORIGINAL))
    assert (found.sender, found.sender_name, found.how) == ("sara.bennani@gmail.com", "Sara Bennani", "inline")
    assert found.subject == "Consultance migration"


def test_a_body_without_a_forward_names_nobody() -> None:
    body = "Bonjour,\nDe : mon côté, tout est prêt.\nDate limite respectée.\nCordialement"
    assert inline_forwards(body) == []


def oxfam_files() -> list[tuple[str, bytes]]:
    dossier = [*t.team_cvs("Cabinet Test", 1)[:1], *METHOD, *PRICE, *t.tax("Cabinet Test", 1),
               *t.code_of_conduct("Cabinet Test"), *t.terms("Cabinet Test")]
    return [("Dossier.pdf", make_pdf_pages(dossier))]


def oxfam_mail(sender: tuple[str, str], subject: str, body: str, files: list[tuple[str, bytes]],
               attached: bytes | None = None, ident: str = "outer") -> bytes:
    builder = (MessageBuilder().sender(*sender).to("procurement.maroc@oxfam.org").subject(subject)
               .message_id(f"{ident}@test").received(OXFAM_WHEN).body(body))
    for name, data in files:
        builder.attach(name, data)
    if attached is not None:
        builder.attach_message(attached)
    return builder.build()


def test_a_staff_forward_is_the_original_senders_dossier_and_shows_both() -> None:
    raw = oxfam_mail(("Karima Amrani", "k.amrani@oxfam.org"), "TR: Consultance migration",
                     "Pour traitement.\n\n" + INLINE["outlook_fr"](ORIGINAL), oxfam_files())
    result = triage(raw)
    assert (result.sender, result.sender_name, result.forwarded_by) == (
        "sara.bennani@gmail.com", "Sara Bennani", "k.amrani@oxfam.org")
    assert result.verdict is Verdict.COMPLETE
    (forward,) = [r for r in result.reasons if r.code is ReasonCode.FORWARDED_BY_STAFF]
    assert forward.params["by"] == "k.amrani@oxfam.org" and "sara.bennani@gmail.com" in forward.params["sender"]
    assert "par k.amrani@oxfam.org, de l'organisation" in render(forward)
    assert result.summary()["forwarded_by"] == "k.amrani@oxfam.org"


def test_an_outlook_forward_as_attachment_is_read_not_sent_for_review() -> None:
    inner = oxfam_mail(("Sara Bennani", "sara.bennani@gmail.com"), "Consultance migration", "Bonjour",
                       oxfam_files(), ident="inner")
    raw = oxfam_mail(("Karima Amrani", "k.amrani@oxfam.org"), "TR: Consultance migration", "Pour suite.", [],
                     attached=inner)
    result = triage(raw)
    assert [d.filename for d in result.documents] == ["Dossier.pdf"]  # named as it was, no .eml to review
    assert result.verdict is Verdict.COMPLETE
    assert (result.sender, result.forwarded_by) == ("sara.bennani@gmail.com", "k.amrani@oxfam.org")


def test_a_forward_by_someone_outside_the_organisation_stays_theirs() -> None:
    raw = oxfam_mail(("Ami", "ami@yahoo.fr"), "Fwd: Consultance migration", INLINE["gmail"](ORIGINAL),
                     oxfam_files())
    result = triage(raw)
    assert (result.sender, result.forwarded_by) == ("ami@yahoo.fr", "")
    assert any(r.code is ReasonCode.FORWARDS_MAIL and r.params["sender"].startswith("Sara Bennani")
               for r in result.reasons), result.reasons


def test_a_forward_nested_ten_deep_is_bounded_and_judged() -> None:
    raw = oxfam_mail(("Sara Bennani", "sara.bennani@gmail.com"), "Consultance migration", "Bonjour",
                     oxfam_files(), ident="level-0")
    for level in range(1, 11):
        raw = oxfam_mail((f"Staff {level}", f"staff{level}@oxfam.org"), "TR: Consultance migration", "Pour suite.",
                         [], attached=raw, ident=f"level-{level}")
    result = triage(raw)
    assert result.verdict is Verdict.COMPLETE
    assert (result.sender, result.forwarded_by) == ("sara.bennani@gmail.com", "staff10@oxfam.org")


def test_an_inline_forward_quoted_ten_times_is_bounded() -> None:
    body = ORIGINAL.body
    for level in range(10):
        body = INLINE["gmail"](Original(f"Staff {level}", f"staff{level}@oxfam.org", "x@oxfam.org",
                                        "Consultance migration", OXFAM_WHEN, body))
    found = inline_forwards(body)
    assert [f.sender for f in found][:1] == ["staff9@oxfam.org"] and len(found) == 10


# ---------------------------------------------------------------- other business at a shared address


@pytest.mark.parametrize(("subject", "body", "what"), [
    ("Demande de stage", "Je sollicite un stage de trois mois.", ReasonCode.INTERNSHIP_REQUEST),
    ("طلب تدريب", "أرغب في إجراء تدريب", ReasonCode.INTERNSHIP_REQUEST),
    ("Spontaneous application", "Please find my CV.", ReasonCode.SPONTANEOUS_APPLICATION),
    ("Candidature spontanée - chargé de projet", "Ci-joint mon CV.", ReasonCode.SPONTANEOUS_APPLICATION),
    ("Invitation : table ronde", "Nous avons le plaisir de vous inviter.", ReasonCode.INVITATION),
])
def test_mail_about_other_business_is_unmatched_whatever_it_carries(subject: str, body: str, what: ReasonCode) -> None:
    result = triage(omp_mail(("CV.pdf", make_pdf_pages(CV)), ("LM.pdf", make_pdf_pages(LETTER)), subject=subject,
                             body=body))
    assert (result.call, result.verdict) == (None, Verdict.UNMATCHED)
    assert any(reason.code is what for reason in result.reasons), result.reasons


def test_the_calls_own_subject_is_an_application_even_from_a_trainee() -> None:
    result = triage(omp_mail(("CV.pdf", make_pdf_pages(CV)), body="Actuellement en stage, je vous adresse ma "
                                                                    "candidature."))
    assert result.call == "omp-charge-projet-2026"
