"""A call's applications as a spreadsheet for the selection committee: CSV, or XLSX with a scoring sheet.

The only module that imports openpyxl. Every text cell comes from an applicant (names, file names...), so a
text starting with = + - @ (or a tab or carriage return) is written with a leading apostrophe: a spreadsheet
would otherwise run it as a formula (CSV/formula injection). The only formulas written are our own.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from inbox_bot.core.models import Criterion, Rule
from inbox_bot.triage.decide import KIND_LABELS_FR

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The seeds of calls without weighted criteria state none: the committee then gives one overall mark.
OVERALL = Criterion(name="Évaluation globale", weight=100, description="aucun critère pondéré dans l'appel")
BOLD = Font(bold=True)


@dataclass(frozen=True)
class ExportRow:
    """One applicant of one call, as the committee sees it."""

    id: str
    name: str
    address: str
    received: str  # Morocco time, already written out
    verdict: str
    present: dict[str, bool]  # required kind -> present in the dossier
    files: list[str]  # "file name (kind): path of the stored copy"


def neutralised(value: object) -> object:
    """A text a spreadsheet will show as text, never run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def header(rule: Rule) -> list[str]:
    kinds = [KIND_LABELS_FR[k] for k in rule.documents.required]
    return ["Réf.", "Nom", "Adresse", "Reçu le (heure du Maroc)", "Verdict", *kinds, "Fichiers"]


def cells(rule: Rule, row: ExportRow) -> list[object]:
    presence = ["présent" if row.present.get(k.value) else "manquant" for k in rule.documents.required]
    values = [row.id, row.name, row.address, row.received, row.verdict, *presence, "\n".join(row.files)]
    return [neutralised(v) for v in values]


def criteria(rule: Rule) -> list[Criterion]:
    return list(rule.criteria) or [OVERALL]


def write_csv(path: Path, rule: Rule, rows: Sequence[ExportRow]) -> None:
    # utf-8-sig: the byte order mark makes Excel read the accents right.
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header(rule))
        writer.writerows(cells(rule, row) for row in rows)


def write_xlsx(path: Path, rule: Rule, on_time: Sequence[ExportRow], late: Sequence[ExportRow]) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = "Candidatures"
    _table(sheet, header(rule), [cells(rule, row) for row in on_time])
    _scoring(book.create_sheet("Notation"), rule, on_time)
    _table(book.create_sheet("Hors délai"), header(rule), [cells(rule, row) for row in late])
    book.save(path)


def _table(sheet: Worksheet, titles: list[str], rows: list[list[object]]) -> None:
    sheet.append([neutralised(t) for t in titles])
    for cell in sheet[1]:
        cell.font = BOLD
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "B2"
    for index, title in enumerate(titles, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(45, len(title) + 4))


def _scoring(sheet: Worksheet, rule: Rule, rows: Sequence[ExportRow]) -> None:
    """Row 1 names the criteria, row 2 their weights; each applicant's weighted total is a formula."""
    marks = criteria(rule)
    first, last = get_column_letter(4), get_column_letter(3 + len(marks))
    total = get_column_letter(4 + len(marks))
    sheet.append(["Réf.", "Nom", "Verdict", *[neutralised(c.name) for c in marks], "Total pondéré (sur 100)"])
    sheet.append(["Pondération", "", "", *[c.weight for c in marks], f"=SUM({first}2:{last}2)"])
    for index, criterion in enumerate(marks, start=4):
        if criterion.description:
            sheet.cell(1, index).comment = Comment(criterion.description, "inbox-bot")
    for number, row in enumerate(rows, start=3):
        weighted = f"=SUMPRODUCT(${first}$2:${last}$2,{first}{number}:{last}{number})/SUM(${first}$2:${last}$2)"
        sheet.append([neutralised(row.id), neutralised(row.name), row.verdict, *[None] * len(marks), weighted])
    if rows:
        # Marks are out of 100, like the total: a typo such as 150 is refused at entry.
        check = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True)
        check.error = "Une note va de 0 à 100."
        sheet.add_data_validation(check)
        check.add(f"{first}3:{last}{len(rows) + 2}")
    for cell in [*sheet[1], *sheet[2]]:
        cell.font = BOLD
    sheet.freeze_panes = "D3"
    sheet.column_dimensions["B"].width = 30
    sheet.column_dimensions[total].width = 24
