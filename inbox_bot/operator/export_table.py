"""The applicants' table, as cells: shared by the workbook and the CSV, words in the rule's language.

Every text cell comes from an applicant (names, file names...), so a text starting with = + - @ (or a tab or
carriage return) is written with a leading apostrophe: a spreadsheet would otherwise run it as a formula
(CSV/formula injection). The only formulas written are our own.
"""

from __future__ import annotations

import re
from datetime import datetime

from inbox_bot.core.timezones import morocco_time
from inbox_bot.operator import export_labels as labels
from inbox_bot.operator.export_model import Export, Row, Sealed

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # what XML 1.0 (and so XLSX) cannot hold, and DEL
Cell = str | float | int | datetime | None


def neutralised(value: object) -> object:
    """A value a spreadsheet will show as it is, never run as a formula."""
    return text(value) if isinstance(value, str) else value


def text(value: str) -> str:
    """A stranger's text for a cell: control characters a workbook cannot hold shown as �, formulas disarmed."""
    value = CONTROL.sub("\ufffd", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def local(moment: datetime) -> datetime:
    """Morocco wall-clock time without an offset: what a spreadsheet date cell holds."""
    return morocco_time(moment).replace(tzinfo=None)


def header(export: Export) -> list[str]:
    words = labels.words(export.language)
    kinds = [labels.kind(export.language, k, export.rule) for k in export.rule.documents.required]
    return [words.ref, words.name, words.address, words.received, words.verdict, *kinds, words.files]


def cells(export: Export, row: Row) -> list[Cell]:
    """One applicant's cells; dates stay dates (the writer formats them)."""
    language = export.language
    values: list[Cell] = [
        row.id,
        row.name,
        row.address,
        local(row.received),
        labels.verdict(language, row.verdict),
        *[labels.state(language, _state(export, row, kind)) for kind in export.rule.documents.required],
        "\n".join(file_lines(export, row)),
    ]
    return [text(v) if isinstance(v, str) else v for v in values]


def _state(export: Export, row: Row, kind: str) -> labels.State:
    if kind in row.missing:
        return "missing"
    return "sealed" if export.closed and kind in export.rule.sealed else "present"


def file_lines(export: Export, row: Row) -> list[str]:
    """The files as the applicant named them, then the sealed envelopes, named only by kind and date."""
    language = export.language
    shown = [f"{d.filename} ({labels.kind(language, d.kind)})" for d in row.documents]
    return [*shown, *[sealed_line(export, s) for s in row.sealed]]


def sealed_line(export: Export, sealed: Sealed) -> str:
    words = labels.words(export.language)
    line = f"{labels.kind(export.language, sealed.kind)} : " + words.sealed_note.format(
        date=local(sealed.received).strftime("%d/%m/%Y %H:%M")
    )
    return f"{line} ({words.flagged})" if sealed.flagged else line


def seal_status(export: Export) -> str | None:
    """The line every export carries once a call seals some kinds: closed, or opened by whom and when."""
    if not export.rule.sealed:
        return None
    words = labels.words(export.language)
    if export.opening is None:
        return words.closed
    opened = export.opening
    return words.opened.format(date=local(opened.at).strftime("%d/%m/%Y %H:%M"), who=opened.by, note=opened.note)
