"""What the operator sees in a terminal: rich tables, and JSON lines for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from inbox_bot.timezones import morocco_time

VERDICT_STYLES = {
    "complete": "green",
    "incomplete": "yellow",
    "late": "red",
    "duplicate": "dim",
    "unmatched": "dim",
    "ignored": "dim",
    "needs_review": "magenta",
}


def console() -> Console:
    # Piped into a file or a pager, rich would fold every table at 80 columns.
    wide = Console(highlight=False, soft_wrap=False)
    return wide if wide.is_terminal else Console(highlight=False, soft_wrap=False, width=160)


def print_json_lines(rows: Iterable[dict[str, Any]]) -> None:
    for row in rows:
        sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def local_time(value: str | datetime) -> str:
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return morocco_time(instant).strftime("%Y-%m-%d %H:%M")


def mail_table(rows: Sequence[dict[str, Any]], title: str) -> Table:
    table = Table(title=title, show_lines=False, expand=False)
    for column in ("received (Morocco)", "from", "subject", "call", "verdict", "documents / missing"):
        table.add_column(column, overflow="fold")
    for row in rows:
        verdict = str(row["verdict"])
        documents = ", ".join(f"{d['kind']}" for d in row["documents"]) or "-"
        missing = ", ".join(row["missing"])
        table.add_row(
            local_time(row["received_at"]),
            str(row.get("sender") or "?"),
            str(row.get("subject") or "")[:60],
            str(row["call"] or "-"),
            f"[{VERDICT_STYLES.get(verdict, 'white')}]{verdict}[/]",
            documents + (f"\n[yellow]missing: {missing}[/]" if missing else ""),
        )
    return table


def counts_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{verdict}: {n}" for verdict, n in sorted(counts.items())) or "no mail"


def rules_table(rows: Sequence[dict[str, Any]]) -> Table:
    table = Table(title="Calls")
    for column in ("id", "organisation", "deadline (Morocco)", "deadline (UTC)", "days left", "late policy"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[key]) for key in ("id", "organisation", "local", "utc", "days_left", "late_policy")))
    return table
