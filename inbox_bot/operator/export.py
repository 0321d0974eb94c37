"""The committee's workbook (XLSX): applicants, documents, one scoring sheet per member, a summary.

The only module that imports openpyxl. Marks are given on each criterion's own scale (0 to its weight), so
the total is a plain sum; a data validation refuses anything off the scale, and a total stays empty until
every mark of its row is given, so a forgotten mark cannot pass for a zero. An applicant a person rejected is
listed with the verdict « rejeté » among the applicants and their documents, and left out of the scoring sheets.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from inbox_bot.core.models import Criterion
from inbox_bot.operator import export_labels as labels
from inbox_bot.operator.export_model import Export, Layout, Row
from inbox_bot.operator.export_table import Cell, cells, header, local, seal_status, sealed_line, text

BOLD = Font(bold=True)
DATE_FORMAT = "dd/mm/yyyy hh:mm"
SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\'"})
FIRST_MARK = 4  # column D: after Réf., Nom, Verdict


def write_xlsx(path: Path, export: Export, layout: Layout | None = None) -> None:
    path.write_bytes(workbook_bytes(export, layout))


def workbook_bytes(export: Export, layout: Layout | None = None) -> bytes:
    words = labels.words(export.language)
    book = Workbook()
    first = book.active
    assert first is not None  # a new workbook always has one sheet
    first.title = words.applications
    _applicants(first, export, export.on_time, layout)
    _documents(book.create_sheet(words.documents), export, layout)
    totals = [_scoring(book.create_sheet(title), export) for title in scoring_titles(export)]
    if export.reviewers:
        _summary(book.create_sheet(words.summary), export, totals)
    _applicants(book.create_sheet(words.late), export, export.late, layout)
    _about(book.create_sheet(words.about), export)
    if export.language == "ar":
        for sheet in book.worksheets:
            sheet.sheet_view.rightToLeft = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def scoring_titles(export: Export) -> list[str]:
    """One scoring sheet, or one per member: sheet names are at most 31 characters, unique, without []:*?/\\'."""
    scoring = labels.words(export.language).scoring
    if not export.reviewers:
        return [scoring]
    titles: list[str] = []
    for member in export.reviewers:
        title = base = f"{scoring} - {' '.join(member.translate(SHEET_NAME_FORBIDDEN).split())}"[:31].strip()
        number = 1
        while title.casefold() in {t.casefold() for t in titles}:  # two long names cut to the same 31 characters
            number += 1
            title = f"{base[: 30 - len(str(number))]} {number}"
        titles.append(title)
    return titles


# ---------------------------------------------------------------- tables


def _applicants(sheet: Worksheet, export: Export, rows: Sequence[Row], layout: Layout | None) -> None:
    titles = header(export) + ([labels.words(export.language).folder] if layout is not None else [])
    _head(sheet, titles)
    for row in rows:
        sheet.append(cells(export, row))
        line = sheet.max_row
        sheet.cell(line, 4).number_format = DATE_FORMAT
        sheet.cell(line, len(titles) - (1 if layout is not None else 0)).alignment = Alignment(wrap_text=True)
        if layout is not None and row.id in layout:
            _link(sheet.cell(line, len(titles)), layout[row.id].folder, layout[row.id].folder)
    _finish(sheet, len(titles), widths={2: 30, 3: 30, 4: 18, len(titles): 45})


def _documents(sheet: Worksheet, export: Export, layout: Layout | None) -> None:
    """One line per file, linked to its copy beside the workbook when there is one."""
    words = labels.words(export.language)
    _head(sheet, [words.ref, words.name, words.kind, words.file, words.received])
    for row in export.rows:
        placed = layout.get(row.id) if layout is not None else None
        for document in row.documents:
            kind = labels.kind(export.language, document.kind)
            sheet.append([text(row.id), text(row.name), kind, text(document.filename), local(document.received)])
            if placed is not None and document.sha256 in placed.files:
                _link(sheet.cell(sheet.max_row, 4), placed.files[document.sha256], document.filename)
            sheet.cell(sheet.max_row, 5).number_format = DATE_FORMAT
        for path in placed.mails.values() if placed is not None else []:
            sheet.append([text(row.id), text(row.name), words.mail, None, None])
            _link(sheet.cell(sheet.max_row, 4), path, path.rsplit("/", 1)[-1])
        for sealed in row.sealed:
            kind = labels.kind(export.language, sealed.kind)
            sheet.append([text(row.id), text(row.name), kind, sealed_line(export, sealed), local(sealed.received)])
            sheet.cell(sheet.max_row, 5).number_format = DATE_FORMAT
    _finish(sheet, 5, widths={2: 30, 3: 30, 4: 50, 5: 18})


def _link(cell: SheetCell, target: str, shown: str) -> None:
    # A relative link (percent-encoded, / separators) keeps working wherever the folder is copied or unzipped.
    cell.value = text(shown)
    cell.hyperlink = quote(target)
    cell.style = "Hyperlink"


# ---------------------------------------------------------------- scoring


def _scoring(sheet: Worksheet, export: Export) -> str:
    """Marks per criterion on its own scale, a total once every mark is given, a rank. Returns the total column."""
    words = labels.words(export.language)
    marks = export.criteria()
    first, last = get_column_letter(FIRST_MARK), get_column_letter(FIRST_MARK + len(marks) - 1)
    total: str = get_column_letter(FIRST_MARK + len(marks))
    scale = sum(c.weight for c in marks)
    names = [words.scale.format(name=c.name or words.overall, weight=c.weight) for c in marks]
    _head(sheet, [words.ref, words.name, words.verdict, *names, words.total.format(weight=scale), words.rank])
    end = len(export.scored) + 1
    for line, row in enumerate(export.scored, start=2):
        complete = f'=IF(COUNT({first}{line}:{last}{line})<{len(marks)},"",SUM({first}{line}:{last}{line}))'
        rank = f'=IF({total}{line}="","",RANK({total}{line},${total}$2:${total}${end}))'
        verdict = labels.verdict(export.language, row.verdict)
        sheet.append([text(row.id), text(row.name), verdict, *[None] * len(marks), complete, rank])
    for column, criterion in enumerate(marks, start=FIRST_MARK):
        _on_scale(sheet, column, criterion, end, export)
    _finish(sheet, len(marks) + 5, widths={2: 30, **{c: 18 for c in range(FIRST_MARK, FIRST_MARK + len(marks) + 1)}})
    sheet.freeze_panes = "D2"
    return total


def _on_scale(sheet: Worksheet, column: int, criterion: Criterion, end: int, export: Export) -> None:
    letter = get_column_letter(column)
    if criterion.description:
        sheet.cell(1, column).comment = Comment(criterion.description, "inbox-bot")
    if end < 2:
        return
    weight = f"{criterion.weight:g}"
    check = DataValidation(
        type="decimal", operator="between", formula1="0", formula2=weight, allow_blank=True,
        showErrorMessage=True, errorStyle="stop", showInputMessage=True,
    )
    check.errorTitle = check.promptTitle = (criterion.name or labels.words(export.language).overall)[:32]
    check.error = check.prompt = _scale_hint(export, weight)
    sheet.add_data_validation(check)
    check.add(f"{letter}2:{letter}{end}")


def _scale_hint(export: Export, weight: str) -> str:
    hints: dict[str, str] = {
        "fr": f"Une note de 0 à {weight}.",
        "ar": f"نقطة من 0 إلى {weight}.",
        "en": f"A mark from 0 to {weight}.",
    }
    return hints[export.language]


def _summary(sheet: Worksheet, export: Export, totals: list[str]) -> None:
    """Each applicant's average over the members who gave every mark, how many did, and the rank."""
    words = labels.words(export.language)
    scale = sum(c.weight for c in export.criteria())
    titles = scoring_titles(export)
    done = f"{words.done} (/{len(titles)})"
    _head(sheet, [words.ref, words.name, words.average.format(weight=scale), done, words.rank])
    end = len(export.scored) + 1
    for line, row in enumerate(export.scored, start=2):
        given = ",".join(f"{quote_sheetname(t)}!{c}{line}" for t, c in zip(titles, totals, strict=True))
        average = f'=IF(COUNT({given})=0,"",AVERAGE({given}))'
        rank = f'=IF(C{line}="","",RANK(C{line},$C$2:$C${end}))'
        sheet.append([text(row.id), text(row.name), average, f"=COUNT({given})", rank])
    _finish(sheet, 5, widths={2: 30, 3: 20, 4: 20})


def _about(sheet: Worksheet, export: Export) -> None:
    rule = export.rule
    lines: list[list[Cell]] = [[text(rule.organisation)], [text(rule.title)], [rule.id]]
    if (status := seal_status(export)) is not None:
        lines.append([text(status)])
    if export.anonymous:
        lines.append([labels.words(export.language).anonymous])
    for line in lines:
        sheet.append(line)
    sheet.column_dimensions["A"].width = 100


# ---------------------------------------------------------------- layout


def _head(sheet: Worksheet, titles: list[str]) -> None:
    sheet.append([text(t) for t in titles])
    for cell in sheet[1]:
        cell.font = BOLD


def _finish(sheet: Worksheet, columns: int, widths: dict[int, int]) -> None:
    """Frozen header, a filter on every column, readable widths."""
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{max(sheet.max_row, 1)}"
    for column in range(1, columns + 1):
        sheet.column_dimensions[get_column_letter(column)].width = widths.get(column, 14)
