"""The applicants' table as CSV, in the dialect the reader's spreadsheet opens right.

`excel-fr` (the default): `;` between fields and a UTF-8 byte order mark, as a French-locale Excel expects
(with `,` it shows one column, without the mark it garbles the accents), dates as 31/01/2026 16:00.
`rfc4180`: `,`, CRLF, no mark, ISO dates, for scripts.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Literal

from inbox_bot.operator import export_labels as labels
from inbox_bot.operator.export_model import Export
from inbox_bot.operator.export_table import Cell, cells, header, seal_status

Dialect = Literal["excel-fr", "rfc4180"]
DIALECTS: tuple[Dialect, ...] = ("excel-fr", "rfc4180")


def write_csv(path: Path, export: Export, dialect: Dialect = "excel-fr") -> None:
    french = dialect == "excel-fr"
    with path.open("w", encoding="utf-8-sig" if french else "utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";" if french else ",", lineterminator="\r\n")
        # A sealed call's status (closed, or opened by whom and when) goes with every row, so any extract shows it.
        status = seal_status(export)
        extra = [status] if status is not None else []
        writer.writerow([*header(export), *([labels.words(export.language).envelopes] if extra else [])])
        for row in export.rows:
            writer.writerow([*[_field(value, french) for value in cells(export, row)], *extra])


def _field(value: Cell, french: bool) -> Cell:
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M" if french else "%Y-%m-%d %H:%M")
    return value
