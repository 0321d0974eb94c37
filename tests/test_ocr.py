"""Issue #17: scans and phone photos are read by OCR (Tesseract) in the sandboxed worker, turned upright, and
classified like any other document; hostile images cost bounded time and memory; a scan is read once.

The scans are drawn by tests/scans.py (text on a page, noise, blur, skew, rotation, low resolution, JPEG),
named as phones and scanner apps name them, so only their text can tell what they are.
"""

from __future__ import annotations

import hashlib
import io
import time
from pathlib import Path

import pytest
from PIL import Image

from inbox_bot.core.limits import ExtractionLimits
from inbox_bot.core.models import Attachment, DocumentKind, Documents
from inbox_bot.core.reasons import ReasonCode as C
from inbox_bot.core.reasons import reason
from inbox_bot.storage.store import Store
from inbox_bot.triage import ocr
from inbox_bot.triage.attachments import read_attachments
from inbox_bot.triage.classify import classify
from inbox_bot.triage.extract import Extracted
from inbox_bot.triage.sandbox import Sandbox
from tests import scans
from tests.scans import image_pdf, jpeg, page, smaller, turned

K = DocumentKind

CORPUS = [(name, data, DocumentKind(kind)) for name, data, kind in scans.corpus()]


@pytest.fixture(scope="module")
def corpus() -> list[tuple[Attachment, DocumentKind, float]]:
    read = []
    for name, data, kind in CORPUS:
        started = time.monotonic()
        [attachment] = read_attachments([(name, data)])
        read.append((attachment, kind, time.monotonic() - started))
    return read


def test_generated_scans_are_classified_by_their_text(corpus: list[tuple[Attachment, DocumentKind, float]]) -> None:
    results = [(a.filename, classify(a).kind, kind) for a, kind, _ in corpus]
    right = [name for name, got, want in results if got is want]
    wrong = [(name, got.value, want.value) for name, got, want in results if got is not want]
    pages = sum(a.pages or 0 for a, _, _ in corpus)
    seconds = sum(s for _, _, s in corpus)
    print(f"\nOCR corpus: kind right for {len(right)}/{len(results)}; {seconds / pages:.2f} s per page read")
    assert len(right) / len(results) >= 0.9, wrong


def test_every_scan_says_it_was_read_by_ocr(corpus: list[tuple[Attachment, DocumentKind, float]]) -> None:
    for attachment, _, _ in corpus:
        assert attachment.problem is None
        assert attachment.ocr is not None and attachment.ocr.startswith("lu par OCR (")
        read_by_ocr = reason(C.READ_BY_OCR, file=attachment.filename, detail=attachment.ocr)
        assert read_by_ocr in classify(attachment).reasons


def test_pages_taken_sideways_or_upside_down_are_turned_upright(
        corpus: list[tuple[Attachment, DocumentKind, float]]) -> None:
    by_name = {a.filename: a for a, _, _ in corpus}
    # Tesseract's layout analysis reads some sideways text lines as they are; the others are turned
    assert "ATTESTATION DE RÉGULARITÉ FISCALE" in by_name["IMG_20260503_101522.jpg"].text
    assert "CARTE NATIONALE D'IDENTITE" in by_name["IMG_20260503_101530.jpg"].text
    upside_down = by_name["WhatsApp Image 2026-05-03 at 10.16.01.jpeg"]
    assert "البطاقة الوطنية للتعريف" in upside_down.text
    assert "page 1 rotated 180°" in (upside_down.ocr or "")


def test_a_scanned_pdf_reads_its_pages_and_keeps_its_page_count(
        corpus: list[tuple[Attachment, DocumentKind, float]]) -> None:
    camscanner = next(a for a, _, _ in corpus if a.filename.startswith("CamScanner"))
    assert camscanner.pages == 2
    assert camscanner.ocr == "lu par OCR (2 pages)"
    assert "code de conduite" in camscanner.text.lower()


def test_no_ocr_when_the_name_already_says_the_kind() -> None:
    [attachment] = read_attachments([("CIN recto.jpg", jpeg(page(scans.TAX_CERTIFICATE)))])
    assert attachment.ocr is None and attachment.text == ""
    assert classify(attachment).kind is K.IDENTITY_DOCUMENT


def test_a_pdf_with_a_text_layer_is_not_read_by_ocr() -> None:
    from tests.docmakers import make_pdf

    [attachment] = read_attachments([("scan0003.pdf", make_pdf(scans.TAX_CERTIFICATE[2:]))])
    assert attachment.ocr is None
    assert classify(attachment).kind is K.TAX_CERTIFICATE


def test_identity_document_can_be_required_and_is_named_in_french() -> None:
    from inbox_bot.triage.decide import KIND_LABELS_FR

    documents = Documents(required=[K.CV, K.IDENTITY_DOCUMENT])
    assert K.IDENTITY_DOCUMENT in documents.required
    assert KIND_LABELS_FR[K.IDENTITY_DOCUMENT] == "pièce d'identité (CIN ou passeport)"


# ---------------------------------------------------------------- HEIC


def test_an_heic_photo_is_decoded_by_libheif_and_read_by_ocr() -> None:
    data = scans.heic(turned(page(scans.TAX_CERTIFICATE, seed=7), 90))  # an iPhone held sideways
    [attachment] = read_attachments([("IMG_4521.HEIC", data)])
    assert attachment.mime == "image/heic" and attachment.problem is None
    assert attachment.ocr is not None and attachment.ocr.startswith("lu par OCR (1 page")
    assert classify(attachment).kind is K.TAX_CERTIFICATE


def test_an_heic_photo_named_jpg_is_a_photo_not_a_disguised_file() -> None:
    [attachment] = read_attachments([("IMG_4522.jpg", scans.heic(page(scans.CIN_FRONT, seed=8)))])
    assert attachment.problem is None and attachment.mime == "image/heic"
    assert classify(attachment).kind is K.IDENTITY_DOCUMENT


def test_a_broken_heic_gives_a_reason_not_a_crash() -> None:
    data = scans.heic(page(scans.CV, seed=9))
    broken = data[: len(data) // 3]  # cut short, as a mail client that gave up would leave it
    [attachment] = read_attachments([("IMG_4523.HEIC", broken)])
    assert attachment.problem is None and attachment.text == ""
    assert attachment.ocr is not None and attachment.ocr.startswith("HEIC photo not decoded")
    document = classify(attachment)
    assert document.kind is K.OTHER and document.reasons[0].code is C.NO_TEXT


def test_without_libheif_an_heic_photo_says_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    data = scans.heic(page(scans.CV, seed=10))
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine where libheif-examples is not installed
    read = ocr.read_heic(data, time.monotonic() + 30)
    assert read.text == "" and read.pages == 0
    assert read.note == ("HEIC photo not read by OCR: heif-convert is not installed "
                         "(scripts/setup installs Debian's libheif-examples)")


# ---------------------------------------------------------------- bad input


def test_a_blank_wall_gives_no_text_and_a_reason() -> None:
    wall = Image.new("L", (3000, 4000), 200)
    [attachment] = read_attachments([("IMG_20260503_101600.jpg", jpeg(wall))])
    assert attachment.text == "" and attachment.problem is None
    assert attachment.ocr == "lu par OCR: no text found (1 page)"
    document = classify(attachment)
    assert document.kind is K.OTHER
    no_text = reason(C.NO_TEXT, file=attachment.filename, detail="lu par OCR: no text found (1 page)")
    assert document.reasons[0] == no_text


def test_a_60_megapixel_photo_is_read_at_a_reduced_scale() -> None:
    photo = page(scans.TAX_CERTIFICATE, size=(1500, 2120), font_size=40).resize((6500, 9200))
    data = jpeg(photo, quality=50)
    [attachment] = read_attachments([("IMG_20260503_101700.jpg", data)])
    assert classify(attachment).kind is K.TAX_CERTIFICATE, attachment.ocr
    # decoded at a reduced scale straight from the file: 1/2 here, 15 megapixels rather than 60
    [frame] = list(ocr._frames(Image.open(io.BytesIO(data))))
    assert frame.width * frame.height <= 6500 * 9200 / 4


@pytest.mark.parametrize(("width", "height", "note"), [
    (7_000, 7_000, "image of 49 megapixels over the OCR limit of 40 (PNG): not read"),
    (50_000, 50_000, "image over the OCR limit, not read: Image size (2500000000 pixels) exceeds limit of"),
])
def test_a_png_bomb_is_refused_by_our_limit_or_by_pillows(width: int, height: int, note: str) -> None:
    bomb = scans.png_bomb(width, height)
    assert len(bomb) < 100
    [attachment] = read_attachments([("IMG_20260503_101710.png", bomb)])
    assert attachment.problem is None and attachment.text == ""
    assert attachment.ocr is not None and attachment.ocr.startswith(note)
    assert Image.MAX_IMAGE_PIXELS is not None  # Pillow's own guard is left on behind ours


def test_a_scanned_pdf_whose_page_image_declares_a_gigapixel_is_refused_before_inflating_it() -> None:
    data = scans.with_page_image_declared(image_pdf([smaller(page(scans.CV), 0.5)]), 60_000, 60_000)
    [attachment] = read_attachments([("scan0006.pdf", data)])
    assert attachment.text == ""
    assert attachment.ocr == "page image of 3600 megapixels over the OCR limit: not read"
    assert classify(attachment).kind is K.OTHER


def test_a_tiff_of_many_frames_is_read_on_its_first_frames_only() -> None:
    blank = Image.new("L", (620, 877), 250)
    data = scans.tiff([smaller(page(scans.COVER_LETTER, seed=11), 0.5), *[blank] * 19])
    [attachment] = read_attachments([("scan0007.tif", data)])
    assert attachment.ocr == "lu par OCR (3 pages of 20)"
    assert classify(attachment).kind is K.COVER_LETTER


def test_a_mail_of_hostile_images_gets_a_verdict_and_every_file_a_reason() -> None:
    from inbox_bot.core.models import RawMail
    from inbox_bot.triage.pipeline import MemoryHistory, Pipeline
    from tests.mailbuilder import MessageBuilder
    from tests.values import RULES

    program = b"\x7fELF\x02\x01\x01" + bytes(200)
    builder = (MessageBuilder().sender("Amina El Alaoui", "amina@example.ma").to("activites@ajj.org.ma")
               .subject("Candidature HAKAMA").body("Bonjour, mon dossier en photos."))
    for name, data in [("IMG_1.tif", scans.tiff_bomb(60_000, 60_000)), ("IMG_2.png", scans.png_bomb(50_000, 50_000)),
                       ("IMG_3.jpg", program), ("IMG_4.jpg", jpeg(Image.new("L", (1200, 1600), 190)))]:
        builder.attach(name, data)
    raw = builder.build()
    triaged = Pipeline(RULES).triage(RawMail(source="hostile.eml", raw=raw, sha256=hashlib.sha256(raw).hexdigest()),
                                     MemoryHistory())
    assert triaged.result.verdict.value == "needs_review"  # the program named as a photo needs a person
    notes = {a.filename: a.ocr or (a.problem.code.value if a.problem else "") for a in triaged.attachments}
    assert notes["IMG_1.tif"].startswith("image over the OCR limit")
    assert notes["IMG_2.png"].startswith("image over the OCR limit")
    assert notes["IMG_3.jpg"] == C.DISGUISED_TYPE.value
    assert notes["IMG_4.jpg"] == "lu par OCR: no text found (1 page)"


@pytest.mark.parametrize(("width", "height", "note"), [
    (12_000, 12_000, "image of 144 megapixels over the OCR limit of 40 (TIFF): not read"),
    (60_000, 60_000, "image over the OCR limit, not read: Image size (3600000000 pixels) exceeds limit of"),
])
def test_a_tiff_bomb_is_refused_before_decoding(width: int, height: int, note: str) -> None:
    bomb = scans.tiff_bomb(width, height)
    assert len(bomb) < 1000
    [attachment] = read_attachments([("scan0004.tif", bomb)])
    assert attachment.ocr is not None and attachment.ocr.startswith(note)
    assert classify(attachment).kind is K.OTHER


def test_an_executable_named_like_a_photo_is_never_decoded() -> None:
    program = b"MZ\x90\x00\x03" + bytes(59) + b"This program cannot be run in DOS mode.\r\n" + bytes(200)
    program = program[:0x3C] + (0x80).to_bytes(4, "little") + program[0x40:0x80] + b"PE\x00\x00" + bytes(100)
    [attachment] = read_attachments([("WhatsApp Image 2026-05-03 at 10.18.00.jpeg", program)])
    assert attachment.ocr is None
    assert attachment.problem is not None and attachment.problem.code is C.DISGUISED_TYPE
    assert attachment.problem.params["named"] == "jpeg" and "executable" in attachment.problem.params["real"]


def test_a_200_page_image_pdf_is_read_on_its_first_pages_only() -> None:
    small = smaller(page(scans.CODE_OF_CONDUCT), 0.5)
    blank = Image.new("L", small.size, 250)
    data = image_pdf([small, *[blank] * 199], quality=40)
    [attachment] = read_attachments([("scan0005.pdf", data)])
    assert attachment.pages == 200
    assert attachment.ocr == "lu par OCR (3 pages of 200)"
    assert classify(attachment).kind is K.CODE_OF_CONDUCT


def test_ocr_stops_at_the_time_limit_and_says_so() -> None:
    pages = [page(scans.CV * 4, size=(2480, 3508), font_size=44, seed=n) for n in range(3)]  # 300 dpi, dense
    limits = ExtractionLimits(timeout_s=2)  # a scan gets three times that, and OCR stops at 80 % of it
    sandbox = Sandbox(limits)
    try:
        extracted = sandbox.extract("pdf", image_pdf(pages), ocr=True)
    finally:
        sandbox.close()
    assert extracted.problem is None
    assert extracted.ocr is not None and "time limit" in extracted.ocr


# ---------------------------------------------------------------- read once


def test_a_reading_known_before_is_not_read_again() -> None:
    known = Extracted(text="ATTESTATION DE RÉGULARITÉ FISCALE", pages=1, ocr="lu par OCR (1 page)")
    blank = jpeg(Image.new("L", (800, 1000), 250))
    asked = []

    def before(sha256: str) -> Extracted | None:
        asked.append(sha256)
        return known

    [attachment] = read_attachments([("IMG_20260503_101800.jpg", blank)], known=before)
    assert len(asked) == 1
    assert attachment.text == known.text and attachment.ocr == known.ocr
    assert classify(attachment).kind is K.TAX_CERTIFICATE


def test_the_store_keeps_what_ocr_read_with_the_document(tmp_path: Path) -> None:
    from inbox_bot.daemon.recording import record_mail
    from inbox_bot.sources.files import raw_mail
    from inbox_bot.triage.pipeline import Pipeline
    from tests.mailbuilder import MessageBuilder
    from tests.values import RULES

    scan = CORPUS[0][1]
    raw = (MessageBuilder().sender("Amina El Alaoui", "amina@example.ma").to("omdp.direction.2@gmail.com")
           .subject("Candidature").attach(CORPUS[0][0], scan, "image/jpeg").build())
    store = Store(tmp_path / "db.sqlite", tmp_path / "storage")
    try:
        record_mail(Pipeline(RULES), store, raw_mail("scan.eml", raw))
        [row] = list(store.db.query("select kind, ocr, ocr_text from documents"))
        assert row["kind"] == "tax_certificate"
        assert row["ocr"] == "lu par OCR (1 page)"
        assert "ATTESTATION DE RÉGULARITÉ FISCALE" in row["ocr_text"]
        import hashlib

        again = store.read_before(hashlib.sha256(scan).hexdigest())
        assert again is not None and again.text == row["ocr_text"] and again.ocr == row["ocr"]
    finally:
        store.close()


# ---------------------------------------------------------------- scans nobody on the team made


def test_the_one_real_scan_of_the_realworld_corpus_is_read_and_not_taken_for_a_dossier_document() -> None:
    """../shared/corpus/realworld holds a single scanned document: a scanner's PDF of an Italian business letter
    (SpamScope's mail_test_7). None of its attachments is a dossier document, so issue #17's target on real
    scans (kind and verdict right for 90 %) cannot be measured on it; this one must read, and stay `other`."""
    import email

    mail = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "realworld" / "spamscope-mail-parser" \
        / "mail_test_7.eml"
    message = email.message_from_bytes(mail.read_bytes())
    [(name, data)] = [(part.get_filename() or "", part.get_payload(decode=True)) for part in message.walk()
                      if part.get_content_type() == "application/pdf"]
    assert isinstance(data, bytes)
    [attachment] = read_attachments([(name, data)])
    assert name == "20170609091403417.pdf" and attachment.ocr == "lu par OCR (1 page)"
    assert "LAMPADARI" in attachment.text
    assert classify(attachment).kind is K.OTHER
