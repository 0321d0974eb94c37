"""Issue #17, "only when it helps": a scan is read by OCR unless its kind is certain from its name AND the
dossier does not need it; named files are classified and the call matched first; a file is read once.

The pure decision (inbox_bot.triage.ocr_wanted) is tested on its own, then through the pipeline on real scans
read by Tesseract in the sandbox, counting what the sandbox is asked to read by OCR.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from examples.cast import consultant
from examples.delivery import AJJ_BOX, HAKAMA, ma, mail, pdf
from examples.documents import cv
from examples.documents_oxfam_hakama import hakama_note, hakama_offer
from examples.scenarios_scans import CIN
from inbox_bot.core.models import Attachment, DossierSoFar, RawMail, Rule, Verdict
from inbox_bot.triage import sandbox
from inbox_bot.triage.attachments import waits_for_ocr
from inbox_bot.triage.classify import classify
from inbox_bot.triage.ocr_wanted import certain_from_name, ocr_wanted
from inbox_bot.triage.pipeline import MemoryHistory, Pipeline, Triaged, dry_run
from tests.scans import image_pdf, jpeg, page
from tests.values import RULES

RULE = RULES[HAKAMA]  # requires cv, methodology_note, financial_offer
APPLICANT = consultant("Salma Idrissi", "Oujda", "salma.idrissi@example.ma", 9, "communication", female=True)
AT = ma(2026, 5, 20, 10, 0)


def _text_file(name: str, lines: list[str]) -> tuple[str, bytes]:
    return name, pdf(lines, AT - timedelta(days=1), APPLICANT.name)


CV_PDF = _text_file("CV_Salma_Idrissi.pdf", cv(APPLICANT))
NOTE_PDF = _text_file("Note_methodologique_HAKAMA.pdf", hakama_note(APPLICANT.name))
OFFER_PDF = _text_file("Offre_financiere_HAKAMA.pdf", hakama_offer(APPLICANT.name, 3100))
CIN_PHOTO = jpeg(page(CIN, seed=21))
OFFER_PHOTO = jpeg(page([line.lstrip("#- ").replace(" | ", "   ") for line in hakama_offer(APPLICANT.name, 3100)],
                        font_size=28, seed=22))


# ---------------------------------------------------------------- the decision, pure


def _attachment(name: str, mime: str = "image/jpeg", text: str = "") -> Attachment:
    content = f"{name}:{text}".encode()
    return Attachment(filename=name, safe_name=name, mime=mime, size=len(content), content=content,
                      sha256=hashlib.sha256(content).hexdigest(), text=text)


def _wanted(attachments: list[Attachment], rule: Rule | None, so_far: DossierSoFar | None = None) -> set[str]:
    so_far = so_far or DossierSoFar()
    documents = [classify(a) for a in attachments]
    return {attachments[i].filename for i in ocr_wanted(attachments, documents, rule, so_far, waits_for_ocr)}


def _texts() -> list[Attachment]:
    cv_text = "CURRICULUM VITAE expérience professionnelle formation académique " * 4
    note_text = "NOTE MÉTHODOLOGIQUE approche méthodologique plan de travail chronogramme " * 4
    offer_text = "OFFRE FINANCIÈRE bordereau des prix prix unitaire total TTC " * 4
    return [_attachment("a.pdf", "application/pdf", cv_text), _attachment("b.pdf", "application/pdf", note_text),
            _attachment("c.pdf", "application/pdf", offer_text)]


def test_a_named_scan_is_not_read_when_the_dossier_lacks_nothing() -> None:
    assert _wanted([*_texts(), _attachment("CIN.jpg")], RULE) == set()


def test_a_named_scan_is_read_when_the_dossier_still_lacks_a_kind() -> None:
    without_offer = _texts()[:2]
    assert _wanted([*without_offer, _attachment("CIN.jpg")], RULE) == {"CIN.jpg"}


def test_what_earlier_mails_brought_counts_for_the_dossier() -> None:
    so_far = DossierSoFar(kinds=frozenset({"financial_offer"}))
    assert _wanted([*_texts()[:2], _attachment("CIN.jpg")], RULE, so_far) == set()


def test_a_scan_whose_name_says_nothing_or_two_kinds_is_always_read() -> None:
    scans = [_attachment("scan0001.pdf", "application/pdf"), _attachment("Offre technique et financière.jpg")]
    assert _wanted([*_texts(), *scans], RULE) == {"scan0001.pdf", "Offre technique et financière.jpg"}


def test_without_a_call_only_the_scans_whose_name_says_nothing_are_read() -> None:
    assert _wanted([_attachment("CV.jpg"), _attachment("IMG_20260520_1000.jpg")], None) == {"IMG_20260520_1000.jpg"}


def test_a_text_layer_a_problem_or_an_ocr_reading_already_there_is_not_read_again() -> None:
    tried = _attachment("IMG_1.jpg").model_copy(update={"ocr": "lu par OCR: no text found (1 page)"})
    layered = _attachment("scan0002.pdf", "application/pdf", "ATTESTATION DE RÉGULARITÉ FISCALE " * 5)
    word = _attachment("scan0003.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert _wanted([tried, layered, word], RULE) == set()


def test_the_rules_own_kinds_named_by_a_file_make_it_certain() -> None:
    own = RULE.model_validate({
        **RULE.model_dump(),
        "kinds": {"diplomas": {"label": {"fr": "copies des diplômes"}, "words": {"fr": ["diplôme"]}}},
    })
    assert certain_from_name("Diplôme master.jpg", own) and not certain_from_name("Diplôme master.jpg", RULE)
    assert _wanted([*_texts(), _attachment("Diplôme master.jpg")], own) == set()
    assert _wanted([*_texts(), _attachment("Diplôme master.jpg")], RULE) == {"Diplôme master.jpg"}


# ---------------------------------------------------------------- through the pipeline, on real scans


@pytest.fixture
def ocr_asked(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """(file's SHA-256, family) of each request to read a file by OCR that reaches the sandbox."""
    asked: list[tuple[str, str]] = []
    original = sandbox.Sandbox.extract

    def extract(self: sandbox.Sandbox, family: str, data: bytes, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("ocr"):
            asked.append((hashlib.sha256(data).hexdigest(), family))
        return original(self, family, data, *args, **kwargs)

    monkeypatch.setattr(sandbox.Sandbox, "extract", extract)
    yield asked


def _raw(slug: str, files: list[tuple[str, bytes]], at_minutes: int = 0) -> RawMail:
    at = AT + timedelta(minutes=at_minutes)
    data = mail(slug, (APPLICANT.name, APPLICANT.email), AJJ_BOX, at, "Candidature HAKAMA",
                "Bonjour, veuillez trouver ma candidature pour la stratégie de communication HAKAMA.", files).build()
    return RawMail(source=f"{slug}.eml", raw=data, sha256=hashlib.sha256(data).hexdigest())


def _triage(*raws: RawMail) -> list[Triaged]:
    return list(dry_run(Pipeline({HAKAMA: RULE}), raws))


def _by_name(triaged: Triaged) -> dict[str, Attachment]:
    return {a.filename: a for a in triaged.attachments}


def test_a_photo_named_cin_is_not_read_when_the_other_files_complete_the_dossier(
        ocr_asked: list[tuple[str, str]]) -> None:
    [triaged] = _triage(_raw("complete-with-cin", [CV_PDF, NOTE_PDF, OFFER_PDF, ("CIN.jpg", CIN_PHOTO)]))
    assert triaged.result.verdict is Verdict.COMPLETE, triaged.result.reasons
    assert _by_name(triaged)["CIN.jpg"].ocr is None
    assert ocr_asked == []


def test_a_photo_named_cin_is_read_when_the_dossier_lacks_the_offer_and_the_offer_is_what_it_shows(
        ocr_asked: list[tuple[str, str]]) -> None:
    [triaged] = _triage(_raw("misnamed-offer", [CV_PDF, NOTE_PDF, ("CIN.jpg", OFFER_PHOTO)]))
    photo = _by_name(triaged)["CIN.jpg"]
    assert photo.ocr is not None and photo.ocr.startswith("lu par OCR")
    assert triaged.result.verdict is Verdict.COMPLETE, triaged.result.reasons
    assert ocr_asked == [(photo.sha256, "image")]


def test_a_scan_whose_name_says_nothing_is_read_even_when_the_dossier_is_complete(
        ocr_asked: list[tuple[str, str]]) -> None:
    scan = image_pdf([page(CIN, seed=23)])
    [triaged] = _triage(_raw("complete-with-scan", [CV_PDF, NOTE_PDF, OFFER_PDF, ("scan0001.pdf", scan)]))
    assert triaged.result.verdict is Verdict.COMPLETE
    document = next(d for d in triaged.result.documents if d.filename == "scan0001.pdf")
    assert document.kind.value == "identity_document"
    assert [family for _, family in ocr_asked] == ["pdf_combined"]


def test_the_dossier_of_earlier_mails_decides_and_a_scan_sent_again_is_not_read_again(
        ocr_asked: list[tuple[str, str]]) -> None:
    first = _raw("first", [CV_PDF, NOTE_PDF, ("IMG_20260520_100000.jpg", OFFER_PHOTO)])
    # the same photo again, and a CIN photo: the dossier lacks nothing any more, so the CIN is taken by its name
    again = _raw("again", [("IMG_20260520_100000.jpg", OFFER_PHOTO), ("CIN.jpg", CIN_PHOTO)], at_minutes=30)
    one, two = _triage(first, again)
    assert one.result.verdict is Verdict.COMPLETE, one.result.reasons
    assert _by_name(two)["IMG_20260520_100000.jpg"].ocr == _by_name(one)["IMG_20260520_100000.jpg"].ocr
    assert _by_name(two)["CIN.jpg"].ocr is None
    assert ocr_asked == [(hashlib.sha256(OFFER_PHOTO).hexdigest(), "image")]


def test_each_file_is_read_by_ocr_once_though_the_mail_is_judged_again_after_each_round(
        ocr_asked: list[tuple[str, str]]) -> None:
    # the nameless scan (a CIN) and the named photo (the offer is missing) are read in the first round; the mail
    # is then judged again with their text, and nothing is read twice
    files = [CV_PDF, NOTE_PDF, ("scan0004.pdf", image_pdf([page(CIN, seed=24)])), ("CV_photo.jpg", OFFER_PHOTO)]
    history = MemoryHistory()
    triaged = Pipeline({HAKAMA: RULE}).triage(_raw("rounds", files), history)
    assert len(ocr_asked) == 2 and len(set(ocr_asked)) == 2
    assert [family for _, family in ocr_asked] == ["pdf_combined", "image"]
    assert triaged.result.verdict is Verdict.COMPLETE, triaged.result.reasons


def test_a_machine_sent_mail_is_ignored_without_reading_its_images(ocr_asked: list[tuple[str, str]]) -> None:
    raw = _raw("auto-reply", [("image001.jpg", OFFER_PHOTO)])
    auto = raw.raw.replace(b"\r\nSubject:", b"\r\nAuto-Submitted: auto-replied\r\nSubject:", 1)
    [triaged] = _triage(RawMail(source="auto.eml", raw=auto, sha256=hashlib.sha256(auto).hexdigest()))
    assert triaged.result.verdict is Verdict.IGNORED
    assert _by_name(triaged)["image001.jpg"].ocr is None and ocr_asked == []
