"""The mail builder's output parses back with the standard library, and the sample inbox is up to date."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import docx
from pypdf import PdfReader

from tests.mailbuilder import (
    MessageBuilder,
    auto_reply,
    bounce,
    encoded_subject,
    make_docx,
    make_pdf,
    make_zip,
)

ROOT = Path(__file__).resolve().parent.parent
MOROCCO_MAY = timezone(timedelta(hours=1))  # Morocco's offset in May 2026
AT = datetime(2026, 5, 10, 15, 59, 59, tzinfo=MOROCCO_MAY)


def parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def received_at(header: str) -> datetime:
    date = header.rsplit(";", 1)[1].strip()
    return parsedate_to_datetime(date.split(" (")[0])


def test_subjects_decode_back_to_what_was_typed() -> None:
    accented = parse(MessageBuilder().subject("Candidature_chargé(e) de projet_OMP").body("x").build())
    assert accented["Subject"] == "Candidature_chargé(e) de projet_OMP"

    raw = MessageBuilder().subject("Candidature_ Consultation_Cabinet_Projet OMP", encoded=True).body("x").build()
    assert b"Subject: =?utf-8?b?" in raw
    assert parse(raw)["Subject"] == "Candidature_ Consultation_Cabinet_Projet OMP"


def test_encoded_subject_keeps_words_short_and_characters_whole() -> None:
    text = "ترشيح لمنصب مكلف بالمشروع – المرصد المغربي للسجون " * 3
    encoded = encoded_subject(text)
    assert all(len(word) <= 75 for word in encoded.split("\r\n "))
    assert parse(f"Subject: {encoded}\r\n\r\nx".encode("ascii"))["Subject"] == text
    assert encoded_subject("Candidature") == "Candidature"


def test_attachments_come_back_byte_for_byte() -> None:
    pdf = make_pdf(["# Curriculum vitae", "Karim Alaoui – Rabat"], pages=2)
    word = make_docx(["# السيرة الذاتية", "نوال بنسودة"], rtl=True)
    raw = (
        MessageBuilder()
        .sender("Karim Alaoui", "karim@example.ma")
        .to("omdp.direction.2@gmail.com")
        .subject("Candidature")
        .body("Veuillez trouver ci-joint mon CV.")
        .attach("CV Karim Alaoui.pdf", pdf)
        .attach("السيرة_الذاتية.docx", word)
        .build()
    )
    message = parse(raw)
    files = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(files) == {"CV Karim Alaoui.pdf", "السيرة_الذاتية.docx"}
    assert files["CV Karim Alaoui.pdf"].get_content() == pdf
    assert files["CV Karim Alaoui.pdf"].get_content_type() == "application/pdf"
    assert files["السيرة_الذاتية.docx"].get_content() == word
    assert message["From"].addresses[0].addr_spec == "karim@example.ma"


def test_topmost_received_header_is_the_last_added() -> None:
    raw = (
        MessageBuilder()
        .to("omdp.direction.2@gmail.com")
        .subject("x")
        .body("x")
        .received(AT - timedelta(seconds=5), by="smtp.example.ma")
        .received(AT.astimezone(timezone(timedelta(hours=-7))), by="mx.google.com")
        .date(AT - timedelta(seconds=8))
        .build()
    )
    received = parse(raw).get_all("Received")
    assert received is not None and len(received) == 2
    assert "by mx.google.com" in received[0]
    assert received_at(received[0]) == AT
    assert raw.startswith(b"Received: from")


def test_machine_mail_carries_its_signals() -> None:
    reply = parse(auto_reply(("Hamza Lahlou", "hamza@example.com"), "omp@example.ma", "Accusé", "Absent.").build())
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["Subject"].startswith("Réponse automatique")

    report = parse(
        bounce(
            "activites@ajj.org.ma",
            reporting_mta="mail.ajj.org.ma",
            failed_recipient="badr@gmial.example",
            diagnostic="Host or domain name not found",
            original_headers="From: activites@ajj.org.ma\r\nSubject: Accuse\r\n",
            arrival=AT,
        )
        .date(AT)
        .build()
    )
    assert report.get_content_type() == "multipart/report"
    assert report.get_param("report-type") == "delivery-status"
    assert report["Return-Path"] == "<>"
    assert "MAILER-DAEMON" in report["From"]
    kinds = [part.get_content_type() for part in report.iter_parts()]
    assert kinds == ["text/plain", "message/delivery-status", "text/rfc822-headers"]


def test_documents_are_readable_and_reproducible() -> None:
    created = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
    lines = ["# Note méthodologique", "Mise en œuvre – l’équipe « projet »", "Total TTC : 12 000,00 MAD"] * 6
    pdf = make_pdf(lines, pages=3, created=created)
    assert pdf == make_pdf(lines, pages=3, created=created)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3
    assert "Mise en œuvre – l’équipe" in reader.pages[0].extract_text()

    locked = make_pdf(["Proposition financière"], user_password="secret", created=created)
    assert PdfReader(io.BytesIO(locked)).is_encrypted

    word = make_docx(["# السيرة الذاتية", "ماستر في حقوق الإنسان"], rtl=True, created=created)
    assert word == make_docx(["# السيرة الذاتية", "ماستر في حقوق الإنسان"], rtl=True, created=created)
    assert [p.text for p in docx.Document(io.BytesIO(word)).paragraphs] == ["السيرة الذاتية", "ماستر في حقوق الإنسان"]

    archive = make_zip([("CV.pdf", pdf)], created=created)
    assert archive == make_zip([("CV.pdf", pdf)], created=created)
    assert zipfile.ZipFile(io.BytesIO(archive)).read("CV.pdf") == pdf


def test_sample_inbox_is_up_to_date(tmp_path: Path) -> None:
    """examples/ holds exactly what examples/build_inbox.py writes: run it after changing a scenario."""
    from examples.build_inbox import write

    write(tmp_path)
    shipped = ROOT / "examples"
    fresh = sorted(p.name for p in (tmp_path / "inbox").glob("*.eml"))
    assert fresh == sorted(p.name for p in (shipped / "inbox").glob("*.eml"))
    for name in fresh:
        assert (tmp_path / "inbox" / name).read_bytes() == (shipped / "inbox" / name).read_bytes(), name
    assert (tmp_path / "expected.json").read_bytes() == (shipped / "expected.json").read_bytes()
    assert sorted(json.loads((shipped / "expected.json").read_text(encoding="utf-8"))) == fresh
