"""`inbox-bot rules draft` and `rules new` through the command line, on real .txt, .docx, .pdf and .odt files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from inbox_bot.cli.main import main
from inbox_bot.rules.loader import load_rule
from tests.docmakers import make_docx, make_odt, make_pdf

CALLS = Path(__file__).resolve().parent / "data" / "calls"
KEYS = [
    "organisation", "language", "addresses", "subject", "deadline", "late_policy", "required", "optional",
    "max_pages", "criteria", "separate_financial_offer", "evidence", "review",
]


def draft(*args: str) -> Result:
    # click 8.2+ keeps stderr apart from stdout in result.output / result.stderr.
    return CliRunner().invoke(main, ["rules", "draft", *args])


def call_lines(name: str) -> list[str]:
    return (CALLS / name).read_text(encoding="utf-8").splitlines()


def expected(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((CALLS / name).with_suffix(".expected.json").read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize(
    ("suffix", "name", "maker"),
    [
        (".docx", "04_coordinateur_ar.txt", make_docx),  # Arabic, Arabic-Indic digits, Arabic month names
        (".docx", "03_stage_communication.txt", make_docx),
        (".odt", "14_deux_fichiers_gmt.txt", make_odt),
        (".odt", "16_ar_minuit_questions.txt", make_odt),
        (".pdf", "06_small_tender_en.txt", make_pdf),  # fpdf2's core fonts: Latin-1 calls only
        (".pdf", "01_cabinet_audit.txt", make_pdf),
    ],
)
def test_a_call_saved_as_a_document_drafts_as_its_text_does(
    tmp_path: Path, suffix: str, name: str, maker: Callable[[list[str]], bytes]
) -> None:
    path = tmp_path / f"appel{suffix}"
    path.write_bytes(maker(call_lines(name)))
    result = draft(str(path), "--json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert list(got) == KEYS
    want = expected(name)
    for field in ("addresses", "subject", "late_policy", "required", "optional", "separate_financial_offer"):
        assert got[field] == want[field], field
    deadline = want["deadline"]
    assert isinstance(deadline, dict)
    assert {k: got["deadline"][k] for k in ("local", "zone")} == deadline


def test_the_json_names_the_first_late_instant_in_utc(tmp_path: Path) -> None:
    path = tmp_path / "call.txt"
    path.write_text("\n".join(call_lines("02_project_officer_en.txt")), encoding="utf-8")
    got = json.loads(draft(str(path), "--json").stdout)
    # 17:00 at GMT+1 is 16:00 UTC
    assert got["deadline"] == {
        "local": "2026-04-30T17:00", "zone": "Etc/GMT-1", "closes_at_utc": "2026-04-30T16:00:00Z"
    }
    assert got["evidence"]["deadline"] == "Deadline: 30 April 2026, 17:00 (GMT+1)."
    assert got["evidence"]["subject"].startswith("Applications must be sent to [jobs@wrn-morocco.org]")
    assert got["review"] == []


def test_the_toml_written_passes_rules_check_with_its_evidence_beside_each_field(tmp_path: Path) -> None:
    out = tmp_path / "rules" / "amej-audit-2026.toml"
    out.parent.mkdir()
    result = draft(str(CALLS / "01_cabinet_audit.txt"), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "0 field(s) to review" in result.stdout
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# DRAFT")
    assert "# from the call: Objet du mail : AO 03/2026 Audit Jeunesse active" in text
    rule = load_rule(out)
    assert rule.id == "amej-audit-2026"
    assert rule.subject == "AO 03/2026 Audit Jeunesse active"
    assert not rule.replies.enabled  # no reply goes out before a person has read the draft
    check = CliRunner().invoke(main, ["rules", "check", str(out.parent)])
    assert check.exit_code == 0, check.output
    again = draft(str(CALLS / "02_project_officer_en.txt"), "--out", str(out))
    assert again.exit_code == 2 and "already exists" in again.stderr
    assert load_rule(out).subject == "AO 03/2026 Audit Jeunesse active"  # the reviewed file is untouched


def test_a_deadline_given_twice_is_marked_for_review_with_both_dates(tmp_path: Path) -> None:
    result = draft(str(CALLS / "07_deux_dates.txt"))
    assert result.exit_code == 0
    assert "# TO REVIEW: the call gives different deadlines: 10/04/2026 (line 7), 12/04/2026 (line 10)" in result.stdout
    assert "to review: deadline" in result.stderr


def test_a_call_with_no_address_is_a_draft_to_review_not_an_error(tmp_path: Path) -> None:
    result = draft(str(CALLS / "17_sans_adresse.txt"), "--json")
    assert result.exit_code == 0
    got = json.loads(result.stdout)
    assert got["addresses"] == [] and "addresses" in got["review"]
    assert "no address found in the call" in result.stderr


def test_a_scanned_call_with_no_text_marks_every_field_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([]))  # a page with no words but its number, as a scan without OCR
    result = draft(str(path), "--json")
    assert result.exit_code == 0
    got = json.loads(result.stdout)
    assert got["deadline"] is None
    assert {"addresses", "deadline", "required"} <= set(got["review"])
    assert "no submission deadline found" in result.stderr


def test_a_long_document_is_read_to_a_limit_and_the_draft_says_so(tmp_path: Path) -> None:
    path = tmp_path / "long.pdf"
    path.write_bytes(make_pdf(call_lines("06_small_tender_en.txt"), pages=200))
    result = draft(str(path), "--json")
    assert result.exit_code == 0
    got = json.loads(result.stdout)
    assert got["addresses"] == ["procurement@greenatlas.org"]
    assert "only the first 60 of 200 pages were read" in result.stderr


@pytest.mark.parametrize("name", ["broken.pdf", "broken.docx", "broken.odt"])
def test_a_file_that_cannot_be_read_at_all_exits_2(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"this is not what its name says")
    result = draft(str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"inbox-bot: {path}: corrupt or unreadable")


def test_a_bad_id_is_refused_with_the_fix(tmp_path: Path) -> None:
    result = draft(str(CALLS / "01_cabinet_audit.txt"), "--id", "Mon Appel")
    assert result.exit_code == 2
    assert "lower case letters, digits and dashes" in result.stderr


def test_rules_new_writes_a_template_that_loads_and_never_overwrites(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["rules", "new", "ong-appel-2027", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = tmp_path / "ong-appel-2027.toml"
    rule = load_rule(path)
    assert rule.id == "ong-appel-2027"
    assert rule.deadline.local.isoformat() == "2026-12-31T16:00:00"  # "31/12/2026 16h00", read day first
    again = CliRunner().invoke(main, ["rules", "new", "ong-appel-2027", "--dir", str(tmp_path)])
    assert again.exit_code == 2
    assert "already exists" in again.stderr
