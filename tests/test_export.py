"""`export`: the workbook and the CSV opened back (openpyxl, csv): French words, dates, filters, the scoring
sheets' scales, validations and formulas (computed here the way a spreadsheet does), formula injection."""

from __future__ import annotations

import csv
import re
from datetime import datetime
from pathlib import Path

import pytest

from inbox_bot.core.models import Criterion, DocumentKind
from inbox_bot.operator.export import scoring_titles
from inbox_bot.operator.export_model import Export, sealed_criterion
from inbox_bot.operator.export_table import neutralised
from tests.exportkit import (
    EVIL_NAME,
    OXFAM,
    config_with_rules,
    every_text,
    only_formula_shapes,
    oxfam_applicants,
    rows,
    workbook,
)
from tests.opkit import json_lines, open_store, record, run, write_config
from tests.values import RULES

HAKAMA = "hakama-communication-2026"


@pytest.fixture
def oxfam(tmp_path: Path) -> Path:
    config = write_config(tmp_path)
    oxfam_applicants(config)
    return config


def _export(config: Path, out: Path, *args: str) -> Path:
    result = run(config, "export", "--call", OXFAM, "--out", str(out), *args)
    assert result.exit_code == 0, result.output
    return out


# ---------------------------------------------------------------- the applicants' sheet


def test_the_workbook_speaks_french_with_real_dates_a_filter_and_a_frozen_header(oxfam: Path, tmp_path: Path) -> None:
    book = workbook(_export(oxfam, tmp_path / "oxfam.xlsx"))
    assert book.sheetnames == ["Candidatures", "Documents", "Notation", "Hors délai", "À propos"]
    sheet = book["Candidatures"]
    header, karim, evil = rows(sheet)
    assert header[:5] == ["Réf.", "Nom", "Adresse", "Reçu le (heure du Maroc)", "Verdict"]
    assert header[5:7] == ["CV", "note méthodologique (proposition technique)"] and header[-1] == "Fichiers"
    # 09:00 UTC is 10:00 in Morocco in January 2022 (UTC+1 then): a date cell, not text.
    assert karim[:5] == ["A1", "Karim Alaoui", "karim@example.ma", datetime(2022, 1, 10, 10, 0), "complet"]
    assert sheet["D2"].is_date and sheet["D2"].number_format == "dd/mm/yyyy hh:mm"
    assert evil[4] == "incomplet"
    assert evil[5:11] == ["présent", "présent", "présent", "manquant", "présent", "présent"]
    assert str(karim[11]).splitlines() == [
        "CV.pdf (CV)",
        "offre.pdf (offre financière)",
        "note.pdf (note méthodologique (proposition technique))",
    ]
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref == "A1:L3"
    late = book["Hors délai"]
    nadia = ["A3", "Nadia Late", "late@example.ma", datetime(2022, 1, 22, 10), "hors délai"]
    assert [r[:5] for r in rows(late)][1:] == [nadia]
    assert late.auto_filter.ref == "A1:L2"
    # No code value reaches a cell: the verdicts are words.
    shown = every_text(book).replace("late@example.ma", "")
    assert not re.search(r"\b(complete|incomplete|late|needs_review|financial_offer)\b", shown)


def test_the_documents_sheet_has_one_line_per_file(oxfam: Path, tmp_path: Path) -> None:
    book = workbook(_export(oxfam, tmp_path / "oxfam.xlsx"))
    sheet = book["Documents"]
    lines = [r[:4] for r in rows(sheet)]
    assert lines[0] == ["Réf.", "Nom", "Type", "Fichier"]
    assert ["A1", "Karim Alaoui", "offre financière", "offre.pdf"] in lines
    assert ["A3", "Nadia Late", "offre financière", "offre.pdf"] in lines
    assert len(lines) == 1 + 3 + 2 + 1
    assert sheet.auto_filter.ref == "A1:E7" and sheet.freeze_panes == "B2"


def test_the_rules_language_gives_the_words(tmp_path: Path) -> None:
    config = config_with_rules(tmp_path, **{OXFAM: ("[replies]", '[replies]\nlanguage = "en"')})
    oxfam_applicants(config)
    book = workbook(_export(config, tmp_path / "oxfam.xlsx"))
    assert book.sheetnames == ["Applications", "Documents", "Scoring", "Late", "About"]
    header, karim, _ = rows(book["Applications"])
    assert header[:5] == ["Ref.", "Name", "Address", "Received (Morocco time)", "Verdict"]
    assert karim[4] == "complete" and header[6] == "methodology note (technical proposal)"
    arabic = config_with_rules(tmp_path / "ar", **{OXFAM: ("[replies]", '[replies]\nlanguage = "ar"')})
    oxfam_applicants(arabic)
    book = workbook(_export(arabic, tmp_path / "ar.xlsx"))
    assert book.sheetnames[0] == "الترشيحات" and rows(book.worksheets[0])[1][4] == "كامل"
    assert book.worksheets[0].sheet_view.rightToLeft


# ---------------------------------------------------------------- scoring


def _total(formula: object, marks: dict[str, float | None]) -> float | str:
    """=IF(COUNT(D2:F2)<3,"",SUM(D2:F2)) computed as a spreadsheet would, for the marks of one row."""
    found = re.fullmatch(r'=IF\(COUNT\(([A-Z])(\d+):([A-Z])\2\)<(\d+),"",SUM\(\1\2:\3\2\)\)', str(formula))
    assert found is not None, formula
    first, row, last, needed = found.group(1), found.group(2), found.group(3), int(found.group(4))
    given = [marks.get(f"{chr(c)}{row}") for c in range(ord(first), ord(last) + 1)]
    numbers = [m for m in given if m is not None]
    return "" if len(numbers) < needed else sum(numbers)


def _rank(formula: object, totals: dict[str, float | str]) -> int | str:
    found = re.fullmatch(r'=IF\(([A-Z]+\d+)="","",RANK\(\1,\$([A-Z]+)\$(\d+):\$\2\$(\d+)\)\)', str(formula))
    assert found is not None, formula
    mine = totals[found.group(1)]
    if mine == "":
        return ""
    column, first, last = found.group(2), int(found.group(3)), int(found.group(4))
    others = [totals[f"{column}{n}"] for n in range(first, last + 1)]
    return 1 + sum(1 for t in others if isinstance(t, float | int) and t > float(mine))


def test_each_criterion_is_marked_on_its_own_scale_and_refused_off_it(oxfam: Path, tmp_path: Path) -> None:
    sheet = workbook(_export(oxfam, tmp_path / "oxfam.xlsx"))["Notation"]
    header, *applicants = rows(sheet)
    assert header == [
        "Réf.",
        "Nom",
        "Verdict",
        "Offre technique (sur 30)",
        "Offre financière (sur 30)",
        "Expérience justifiée (sur 40)",
        "Total (sur 100)",
        "Rang",
    ]
    assert [r[:3] for r in applicants] == [["A1", "Karim Alaoui", "complet"], ["A2", "'" + EVIL_NAME, "incomplet"]]
    checks = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert sorted(checks) == ["D2:D3", "E2:E3", "F2:F3"]
    for column, weight in (("D", "30"), ("E", "30"), ("F", "40")):
        check = checks[f"{column}2:{column}3"]
        assert (check.type, check.operator, check.formula1, check.formula2) == ("decimal", "between", "0", weight)
        # Without showErrorMessage a spreadsheet only warns in a corner and keeps 250.
        assert check.showErrorMessage and check.errorStyle == "stop" and check.allow_blank
        assert check.error == f"Une note de 0 à {weight}."
    assert sheet["D1"].comment is not None and "méthodologie" in sheet["D1"].comment.text
    assert sheet.freeze_panes == "D2" and sheet.auto_filter.ref == "A1:H3"


def test_the_total_stays_empty_until_every_mark_is_given_and_ranks_the_rest(oxfam: Path, tmp_path: Path) -> None:
    sheet = workbook(_export(oxfam, tmp_path / "oxfam.xlsx"))["Notation"]
    marks: dict[str, float | None] = {"D2": 25, "E2": 30, "F2": 40, "D3": 20, "E3": None, "F3": 40}
    totals: dict[str, float | str] = {"G2": _total(sheet["G2"].value, marks), "G3": _total(sheet["G3"].value, marks)}
    assert totals == {"G2": 95, "G3": ""}  # a blank mark is no zero
    assert (_rank(sheet["H2"].value, totals), _rank(sheet["H3"].value, totals)) == (1, "")
    marks["E3"] = 30
    totals["G3"] = _total(sheet["G3"].value, marks)
    assert totals["G3"] == 90 and _rank(sheet["H3"].value, totals) == 2


def test_one_scoring_sheet_per_member_and_a_summary_of_averages(oxfam: Path, tmp_path: Path) -> None:
    book = workbook(_export(oxfam, tmp_path / "oxfam.xlsx", "--reviewers", "Amal Idrissi, Youssef: [président]"))
    assert book.sheetnames[2:5] == ["Notation - Amal Idrissi", "Notation - Youssef président", "Synthèse"]
    for title in book.sheetnames[2:4]:
        assert len(book[title].data_validations.dataValidation) == 3
        assert book[title]["G2"].value == '=IF(COUNT(D2:F2)<3,"",SUM(D2:F2))'
    summary = rows(book["Synthèse"])
    assert summary[0] == ["Réf.", "Nom", "Moyenne (sur 100)", "Notations complètes (/2)", "Rang"]
    given = "'Notation - Amal Idrissi'!G2,'Notation - Youssef président'!G2"
    assert summary[1] == [
        "A1",
        "Karim Alaoui",
        f'=IF(COUNT({given})=0,"",AVERAGE({given}))',
        f"=COUNT({given})",
        '=IF(C2="","",RANK(C2,$C$2:$C$3))',
    ]
    assert summary[2][2] == f'=IF(COUNT({given.replace("G2", "G3")})=0,"",AVERAGE({given.replace("G2", "G3")}))'


def test_a_member_named_twice_is_refused(oxfam: Path, tmp_path: Path) -> None:
    result = run(oxfam, "export", "--call", OXFAM, "--out", str(tmp_path / "x.xlsx"), "--reviewers", "Amal,amal ")
    assert result.exit_code == 2 and "named twice" in result.stderr


def test_hakama_weights_are_the_scales(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    store = open_store(config)
    record(store, "karim@example.ma", call=HAKAMA, to="activites@ajj.org.ma", subject="Offre HAKAMA")
    store.close()
    out = tmp_path / "hakama.xlsx"
    assert run(config, "export", "--call", HAKAMA, "--out", str(out)).exit_code == 0
    sheet = workbook(out)["Notation"]
    header, karim = rows(sheet)
    assert [re.sub(r".*\(sur (\d+)\)", r"\1", str(h)) for h in header[3:8]] == ["40", "15", "30", "15", "100"]
    assert karim[7] == '=IF(COUNT(D2:G2)<4,"",SUM(D2:G2))'
    assert sorted(v.formula2 for v in sheet.data_validations.dataValidation) == ["15", "15", "30", "40"]


def test_a_call_without_weighted_criteria_gets_one_overall_mark(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    store = open_store(config)
    record(store, "karim@example.ma")
    store.close()
    out = tmp_path / "omp.xlsx"
    assert run(config, "export", "--call", "omp-charge-projet-2026", "--out", str(out)).exit_code == 0
    sheet = workbook(out)["Notation"]
    assert rows(sheet)[0][3:] == ["Évaluation globale (sur 100)", "Total (sur 100)", "Rang"]
    assert rows(sheet)[1][4] == '=IF(COUNT(D2:D2)<1,"",SUM(D2:D2))'
    [check] = sheet.data_validations.dataValidation
    assert (str(check.sqref), check.formula2) == ("D2", "100")


def test_a_call_with_no_applicant_still_gives_a_valid_workbook(tmp_path: Path) -> None:
    out, config = tmp_path / "empty.xlsx", write_config(tmp_path)
    open_store(config).close()  # the database exists, as after a first `run --once`
    assert run(config, "export", "--call", OXFAM, "--out", str(out)).exit_code == 0
    sheet = workbook(out)["Notation"]
    assert len(rows(sheet)) == 1 and not sheet.data_validations.dataValidation


# ---------------------------------------------------------------- injection


def test_text_never_runs_as_a_formula(oxfam: Path, tmp_path: Path) -> None:
    book = workbook(_export(oxfam, tmp_path / "oxfam.xlsx", "--reviewers", "A,B"))
    assert only_formula_shapes(book) == []
    name = book["Candidatures"]["B3"]
    assert (name.value, name.data_type) == ("'" + EVIL_NAME, "s")
    assert book["Notation - A"]["B3"].value == "'" + EVIL_NAME
    assert str(book["Candidatures"]["L3"].value).startswith("'@SUM(1+1).pdf (CV)")


# ---------------------------------------------------------------- CSV


def test_csv_for_a_french_excel_by_default(oxfam: Path, tmp_path: Path) -> None:
    out = _export(oxfam, tmp_path / "oxfam.csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfR\xc3\xa9f.;Nom;")  # a BOM, then the header, `;` between fields
    with out.open(encoding="utf-8-sig", newline="") as handle:
        header, *lines = list(csv.reader(handle, delimiter=";"))
    assert header[0] == "Réf." and header[-1] == "Fichiers"
    assert [(r[0], r[3], r[4]) for r in lines] == [
        ("A1", "10/01/2022 10:00", "complet"),
        ("A2", "12/01/2022 10:00", "incomplet"),
        ("A3", "22/01/2022 10:00", "hors délai"),
    ]
    assert lines[1][1] == "'" + EVIL_NAME and lines[2][5] == "manquant"


def test_csv_rfc4180_for_scripts(oxfam: Path, tmp_path: Path) -> None:
    out = _export(oxfam, tmp_path / "oxfam.csv", "--csv-dialect", "rfc4180")
    raw = out.read_bytes()
    assert raw.startswith("Réf.,Nom,".encode()) and b"\r\n" in raw
    with out.open(encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))[1:]
    assert (lines[0][0], lines[0][3]) == ("A1", "2022-01-10 10:00")


def test_csv_is_chosen_by_the_file_name_and_the_format_wins(oxfam: Path, tmp_path: Path) -> None:
    run(oxfam, "export", "--call", OXFAM, "--out", str(tmp_path / "a.csv"))
    assert (tmp_path / "a.csv").read_bytes().startswith(b"\xef\xbb\xbfR")
    run(oxfam, "export", "--call", OXFAM, "--format", "xlsx", "--out", str(tmp_path / "b.csv"))
    with (tmp_path / "b.csv").open("rb") as handle:
        assert workbook(handle).sheetnames[0] == "Candidatures"  # type: ignore[arg-type]


def test_export_to_a_folder_that_does_not_exist_fails_in_one_line(oxfam: Path, tmp_path: Path) -> None:
    result = run(oxfam, "export", "--call", OXFAM, "--out", str(tmp_path / "no" / "such" / "x.xlsx"))
    assert result.exit_code == 2 and result.stderr.startswith("inbox-bot: cannot write")


def test_applications_and_export_agree(oxfam: Path, tmp_path: Path) -> None:
    ids = sorted(r["id"] for r in json_lines(run(oxfam, "applications", "--call", OXFAM, "--json")))
    out = _export(oxfam, tmp_path / "oxfam.csv")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        assert sorted(r[0] for r in list(csv.reader(handle, delimiter=";"))[1:]) == ids


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


# ---------------------------------------------------------------- the pieces, with plain values


def test_long_member_names_cut_to_the_same_sheet_name_stay_apart() -> None:
    long = "Fatima-Zahra Benkirane El Idrissi"
    export = Export(rule=RULES[OXFAM], on_time=[], late=[], reviewers=[long + " A", long + " B", long + " C", "x/y"])
    titles = scoring_titles(export)
    assert titles == [
        "Notation - Fatima-Zahra Benkira",
        "Notation - Fatima-Zahra Benki 2",
        "Notation - Fatima-Zahra Benki 3",
        "Notation - x y",
    ]
    assert all(len(t) <= 31 for t in titles)


@pytest.mark.parametrize(
    ("criterion", "expected"),
    [
        (Criterion(name="Offre financière", weight=30), True),
        (Criterion(name="Prix proposé", weight=30), True),
        (Criterion(name="Coût global", weight=30), True),
        (Criterion(name="العرض المالي", weight=30), True),
        (Criterion(name="Offre technique", weight=30), False),
        (Criterion(name="Expérience en gestion financière", weight=30, sealed=False), False),  # the rule says so
        (Criterion(name="Qualité de l'équipe", weight=30, sealed=True), True),
    ],
)
def test_which_criterion_waits_for_the_opening(criterion: Criterion, expected: bool) -> None:
    assert sealed_criterion(criterion, [DocumentKind.FINANCIAL_OFFER]) is expected
    assert sealed_criterion(criterion, []) is False  # a call that seals nothing marks everything


def test_a_call_whose_every_criterion_is_sealed_gets_one_overall_mark_meanwhile() -> None:
    rule = RULES[OXFAM].model_copy(
        update={"criteria": [Criterion(name="Offre financière", weight=100)], "sealed": [DocumentKind.FINANCIAL_OFFER]}
    )
    assert [(c.name, c.weight) for c in Export(rule=rule, on_time=[], late=[]).criteria()] == [("", 100)]


# ---------------------------------------------------------------- a person's rejection


def test_a_rejected_applicant_is_listed_with_the_verdict_and_left_out_of_the_scoring(
    oxfam: Path, tmp_path: Path
) -> None:
    done = run(oxfam, "override", "A2", "--verdict", "rejected", "--note", "hors du champ de l'appel")
    assert done.exit_code == 0, done.output
    out = tmp_path / "oxfam.xlsx"
    written = run(oxfam, "export", "--call", OXFAM, "--out", str(out), "--reviewers", "Amal, Youssef")
    assert written.exit_code == 0, written.output
    assert "2 applicant(s) on time, 1 late" in written.stdout
    assert "1 rejected by a person: listed with their verdict, left out of the scoring sheet" in written.stdout
    book = workbook(out)
    assert [(r[0], r[4]) for r in rows(book["Candidatures"])[1:]] == [("A1", "complet"), ("A2", "rejeté")]
    assert "A2" in {r[0] for r in rows(book["Documents"])}, "her files are still there to read"
    for title in ("Notation - Amal", "Notation - Youssef", "Synthèse"):
        assert [r[0] for r in rows(book[title])[1:]] == ["A1"], title
    assert book["Notation - Amal"]["H2"].value == '=IF(G2="","",RANK(G2,$G$2:$G$2))', "ranked among the scored"
    assert [r[0] for r in rows(book["Hors délai"])[1:]] == ["A3"]
    assert "rejected" not in every_text(book)
    csv_out = _export(oxfam, tmp_path / "oxfam.csv")
    with csv_out.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle, delimiter=";"))[1:]
    assert [(r[0], r[4]) for r in lines] == [("A1", "complet"), ("A2", "rejeté"), ("A3", "hors délai")]
