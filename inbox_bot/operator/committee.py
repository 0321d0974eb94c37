"""`export`: the committee's workbook or CSV, and its folder or ZIP of files, from one read of the store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from inbox_bot.core.errors import UsageError
from inbox_bot.core.models import Rule
from inbox_bot.operator import export_files
from inbox_bot.operator.export import workbook_bytes, write_xlsx
from inbox_bot.operator.export_csv import Dialect, write_csv
from inbox_bot.operator.export_model import Export
from inbox_bot.operator.export_rows import Track, export_rows
from inbox_bot.storage.store import Store


@dataclass(frozen=True)
class Request:
    out: Path | None  # the workbook or CSV on its own
    fmt: str  # "xlsx" or "csv"
    dialect: Dialect = "excel-fr"
    files: Path | None = None  # a folder per applicant, the workbook beside them
    zip: Path | None = None  # the same, as one ZIP file
    reviewers: tuple[str, ...] = ()
    anonymous: bool = False


@dataclass(frozen=True)
class Written:
    export: Export
    paths: list[Path]


def export_call(store: Store, rule: Rule, request: Request, track: Track = lambda a: a) -> Written:
    members = [r.strip() for r in request.reviewers if r.strip()]
    if len({m.casefold() for m in members}) < len(members):
        raise UsageError("a committee member is named twice in --reviewers", fix='give each name once: "Nom 1,Nom 2"')
    export = export_rows(store, rule, track, reviewers=request.reviewers, anonymous=request.anonymous)
    paths: list[Path] = []
    try:
        if request.out is not None:
            if request.fmt == "csv":
                write_csv(request.out, export, request.dialect)
            else:
                write_xlsx(request.out, export)
            paths.append(request.out)
        render = lambda layout: workbook_bytes(export, layout)  # noqa: E731
        if request.files is not None:
            export_files.write_folder(request.files, export, render)
            paths.append(request.files)
        if request.zip is not None:
            export_files.write_zip(request.zip, export, render)
            paths.append(request.zip)
    except OSError as exc:
        where = exc.filename or ""
        raise UsageError(f"cannot write {where}: {exc.strerror or exc}", fix="choose another path") from exc
    return Written(export, paths)
