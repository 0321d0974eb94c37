"""Issue #6, what leaves inbox-bot: text from a hostile mail is escaped wherever it lands. One raw mail carries
markup, a spreadsheet formula and CR/LF in its names; it goes through parse, triage and the store, then out
through the digest (HTML), the export (CSV) and a reply's headers, which their own modules escape."""

from __future__ import annotations

import base64
import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from inbox_bot.daemon.recording import record_mail
from inbox_bot.operator.export_csv import write_csv
from inbox_bot.operator.export_rows import export_rows
from inbox_bot.outgoing import compose, digest
from inbox_bot.sources.files import raw_mail
from inbox_bot.storage.store import Store
from inbox_bot.triage.pipeline import Pipeline, Triaged
from tests import hostile
from tests.docmakers import make_pdf
from tests.smtpd import smtp_settings
from tests.values import RULES

ROOT = Path(__file__).resolve().parents[1]
ALCI = RULES["alci-guide-2024"]
NAME = '=HYPERLINK("http://evil.example","x") <script>alert(1)</script>\r\nBcc: victim@example.org'


def encoded(text: str) -> bytes:
    return b"=?utf-8?b?" + base64.b64encode(text.encode()) + b"?="


@pytest.fixture
def recorded(tmp_path: Path) -> Iterator[tuple[Store, Triaged]]:
    store = Store(tmp_path / "db.sqlite", tmp_path / "storage")
    raw = hostile.application(
        (b"<script>alert(2)</script>.pdf", make_pdf(["Curriculum vitae"])),
        sender=encoded(NAME) + b" <karim.alaoui@example.ma>",
        subject=b"Guide des bonnes pratiques <img src=x onerror=alert(3)>",
    )
    triaged = record_mail(Pipeline(RULES), store, raw_mail("hostile.eml", raw))
    assert triaged is not None and triaged.result.call == ALCI.id
    yield store, triaged
    store.close()


def test_names_are_one_line_of_data_once_parsed(recorded: tuple[Store, Triaged]) -> None:
    _, triaged = recorded
    assert triaged.result.sender == "karim.alaoui@example.ma"
    assert "\r" not in triaged.result.sender_name and "\n" not in triaged.result.sender_name


def test_the_digest_html_escapes_names_subjects_and_file_names(tmp_path: Path, recorded: tuple[Store, Triaged]) -> None:
    store, _ = recorded
    settings = smtp_settings(None, tmp_path, rules_dir=ROOT / "rules",
                             digest={"organisations": [{"name": ALCI.organisation, "to": ["team@ngo.example"]}]})
    [(_, rendered)] = digest.preview(store, settings, RULES, ALCI.organisation, now=datetime(2024, 1, 3, tzinfo=UTC))
    assert rendered.html is not None
    assert "<script" not in rendered.html and "<img" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;.pdf" in rendered.html


def test_the_csv_export_never_runs_a_name_as_a_formula(tmp_path: Path, recorded: tuple[Store, Triaged]) -> None:
    store, _ = recorded
    write_csv(tmp_path / "export.csv", export_rows(store, ALCI))
    with (tmp_path / "export.csv").open(encoding="utf-8-sig", newline="") as handle:
        cells = [cell for row in list(csv.reader(handle, delimiter=";"))[1:] for cell in row]
    assert any("HYPERLINK" in cell for cell in cells)
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_a_reply_built_from_the_mail_gets_no_header_from_it(recorded: tuple[Store, Triaged]) -> None:
    _, triaged = recorded
    message = compose.build_message(
        sender=("inbox-bot", "bot@ngo.example"), to=[(triaged.result.sender_name, triaged.result.sender)],
        subject="Re: " + triaged.result.subject, text="Bien reçu.", message_id="<r1@ngo.example>",
        date=datetime(2024, 1, 3, tzinfo=UTC), auto_submitted="auto-replied",
    )
    assert b"\r\nBcc:" not in message and b"\nBcc:" not in message
    read_back = message_from_bytes(message, policy=policy.default)
    assert [a.addr_spec for a in read_back["To"].addresses] == ["karim.alaoui@example.ma"]
