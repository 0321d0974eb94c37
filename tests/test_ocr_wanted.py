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
from inbox_bot.config.settings import Settings
from inbox_bot.core.models import Attachment, DocumentKind, DossierSoFar, RawMail, Rule, Verdict
from inbox_bot.daemon.pipeline_setup import build_pipeline
from inbox_bot.daemon.poller import MailboxPoller
from inbox_bot.operator import retriage
from inbox_bot.sources.memory import MemoryServer
from inbox_bot.sources.memory_mailbox import MemoryMailbox
from inbox_bot.storage import mails, parsings
from inbox_bot.storage.store import Store
from inbox_bot.triage import pipeline as pipeline_module
from inbox_bot.triage import sandbox
from inbox_bot.triage.attachments import waits_for_ocr
from inbox_bot.triage.classify import classify
from inbox_bot.triage.ocr_wanted import certain_from_name, ocr_wanted
from inbox_bot.triage.pipeline import MemoryHistory, Pipeline, Triaged, dry_run
from tests.pollkit import mailbox_settings
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


# ---------------------------------------------------------------- with the pool, reading ahead and re-triage


def _poller(store: Store, server: MemoryServer, rules: dict[str, Rule] = RULES) -> MailboxPoller:
    pipeline = build_pipeline(Settings(limits={"extraction": {"workers": 2}}), rules)
    return MailboxPoller(
        mailbox_settings(), store, lambda: pipeline, max_mail_bytes=40_000_000,
        mailboxes=lambda box: MemoryMailbox(server, box.name, box.folder),
    )


def _offer_then_cin(store: Store, server: MemoryServer) -> list[int]:
    """Two mails of one applicant, both read ahead before the first is recorded: the offer photographed beside
    the CV and the note (read by OCR: the dossier lacks the offer), then a photo named CIN (not read: the
    dossier the first mail built lacks nothing)."""
    first = _raw("first", [CV_PDF, NOTE_PDF, ("IMG_20260520_100000.jpg", OFFER_PHOTO)])
    second = _raw("second", [("CIN.jpg", CIN_PHOTO)], at_minutes=30)
    for minutes, raw in ((0, first), (30, second)):
        server.append("INBOX", raw.raw, internaldate=AT + timedelta(minutes=minutes))
    assert _poller(store, server).poll().recorded == 2
    return mails.ids_in_order(store)


def _retriage(store: Store, rules: dict[str, Rule]) -> list[retriage.Change]:
    pipeline = build_pipeline(Settings(limits={"extraction": {"workers": 2}}), rules)
    return retriage.retriage(store, pipeline, rules, mails.ids_in_order(store), dry_run=False)


def test_reading_ahead_leaves_ocr_to_each_mails_turn_where_the_dossier_of_the_mails_before_decides(
    store: Store, memory_server: MemoryServer, ocr_asked: list[tuple[str, str]]
) -> None:
    first, second = _offer_then_cin(store, memory_server)
    assert mails.mail(store, first)["verdict"] == "complete"  # type: ignore[index]
    # read in a thread with no dossier, the CIN photo would have been read too: the offer was missing then
    assert ocr_asked == [(hashlib.sha256(OFFER_PHOTO).hexdigest(), "image")]
    [cin] = store.documents(second)
    assert cin["ocr"] is None


def test_what_ocr_read_is_kept_with_the_mail_and_a_retriage_reads_nothing_again(
    store: Store, memory_server: MemoryServer, ocr_asked: list[tuple[str, str]]
) -> None:
    first, _ = _offer_then_cin(store, memory_server)
    reader = build_pipeline(Settings(limits={"extraction": {"workers": 2}}), RULES).reader
    kept = parsings.read_before(store, first, reader)
    assert kept is not None
    photo = next(a for a in kept.attachments if a.filename.startswith("IMG_"))
    assert photo.ocr is not None and photo.ocr.startswith("lu par OCR") and "HAKAMA" in photo.text.upper()
    ocr_asked.clear()
    changes = _retriage(store, RULES)
    assert [c.changed() for c in changes] == [[], []] and ocr_asked == []


def test_a_scan_the_rules_want_now_is_read_from_its_stored_bytes_once_then_kept(
    store: Store, memory_server: MemoryServer, ocr_asked: list[tuple[str, str]]
) -> None:
    # GIVEN the two mails recorded, the CIN photo taken by its name
    _, second = _offer_then_cin(store, memory_server)
    ocr_asked.clear()
    # WHEN the call now also requires a tax certificate no file's name says: the dossier lacks it, so every
    # scan not read by OCR may hold it
    required = [*RULE.documents.required, DocumentKind.TAX_CERTIFICATE.value]
    stricter = {**RULES, HAKAMA: RULE.model_copy(update={"documents": RULE.documents.model_copy(
        update={"required": required})})}
    _retriage(store, stricter)
    # THEN the re-triage, judging from what was kept (no bytes), read the CIN photo from the store by its hash
    assert ocr_asked == [(hashlib.sha256(CIN_PHOTO).hexdigest(), "image")]
    [cin] = store.documents(second)
    assert cin["kind"] == "identity_document"
    # AND kept that reading with the mail: the next re-triage reads nothing
    reader = build_pipeline(Settings(limits={"extraction": {"workers": 2}}), stricter).reader
    kept = parsings.read_before(store, second, reader)
    assert kept is not None and (kept.attachments[0].ocr or "").startswith("lu par OCR")
    ocr_asked.clear()
    _retriage(store, stricter)
    assert ocr_asked == []


def test_the_choice_of_scans_is_part_of_the_readers_version(monkeypatch: pytest.MonkeyPatch) -> None:
    before = Pipeline(RULES).reader
    assert before.endswith(pipeline_module.OCR_CHOICE)
    monkeypatch.setattr(pipeline_module, "OCR_CHOICE", "another-choice")
    assert Pipeline(RULES).reader != before
