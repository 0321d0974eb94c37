"""What the operator sees in a terminal: rich tables, and JSON lines for scripts."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from rich.console import Console, RenderableType
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from inbox_bot.core.timezones import morocco_time

VERDICT_STYLES = {
    "complete": "green",
    "incomplete": "yellow",
    "late": "red",
    "duplicate": "dim",
    "unmatched": "dim",
    "ignored": "dim",
    "needs_review": "magenta",
    "rejected": "dim",
}

STATE_STYLES = {"present": "green", "missing": "yellow", "unreadable": "red", "to_fetch": "magenta"}
WHY_SHOWN = 2  # the last reasons say the verdict; `show` has them all


def console() -> Console:
    # Piped into a file or a pager, rich would fold every table at 80 columns.
    wide = Console(highlight=False, soft_wrap=False)
    return wide if wide.is_terminal else Console(highlight=False, soft_wrap=False, width=160)


def print_json_lines(rows: Iterable[dict[str, Any]]) -> None:
    for row in rows:
        sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def print_csv(rows: Sequence[dict[str, Any]]) -> None:
    """One row per record, the JSON keys as header; lists joined with "; ", nested records as JSON."""
    if not rows:
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: _cell(value) for key, value in row.items()} for row in rows)
    sys.stdout.flush()


def _cell(value: Any) -> Any:
    if isinstance(value, list) and all(not isinstance(item, dict | list) for item in value):
        return "; ".join(str(item) for item in value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def print_rows(output: str, rows: Sequence[dict[str, Any]]) -> None:
    """The rows for a script: JSON lines (--json) or CSV (--csv)."""
    if output == "csv":
        print_csv(rows)
    else:
        print_json_lines(rows)


def emit(output: str, rows: Sequence[dict[str, Any]], table: Callable[[], RenderableType]) -> None:
    """The rows as --json lines, --csv, or the table a person reads."""
    if output == "table":
        console().print(table())
    else:
        print_rows(output, rows)


def local_time(value: str | datetime) -> str:
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return morocco_time(instant).strftime("%Y-%m-%d %H:%M")


def mail_table(rows: Sequence[dict[str, Any]], title: str) -> Table:
    """Recorded mails show their ID (what every other command takes); a dry run's have none."""
    table = Table(title=title, show_lines=False, expand=False)
    with_id = bool(rows) and "id" in rows[0]
    with_reply = bool(rows) and "reply" in rows[0]  # a dry run of a mailbox says what it would answer
    columns = ("received (Morocco)", "from", "subject", "call", "verdict", "documents", "why")
    for column in (*(["id"] if with_id else []), *columns, *(["reply"] if with_reply else [])):
        table.add_column(column, overflow="fold")
    for row in rows:
        verdict = str(row["verdict"])
        table.add_row(
            *([str(row["id"])] if with_id else []),
            local_time(row["received_at"]),
            escape(str(row.get("sender") or "?")),
            escape(str(row.get("subject") or "")[:60]),
            escape(str(row["call"] or "-")),
            f"[{VERDICT_STYLES.get(verdict, 'white')}]{verdict}[/]",
            _states(row["states"]),
            escape("\n".join(r["text"] for r in row["reasons"][-WHY_SHOWN:])),
            *([escape(str(row["reply"]))] if with_reply else []),
        )
    return table


def _states(states: dict[str, dict[str, str]]) -> str:
    """One line per kind with its state; what is not simply present stands out."""
    lines = []
    for state in states.values():
        colour = STATE_STYLES.get(state["state"], "white")
        lines.append(f"{escape(state['label'])}: [{colour}]{escape(state['text'])}[/]")
    return "\n".join(lines) or "-"


def counts_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{verdict}: {n}" for verdict, n in sorted(counts.items())) or "no mail"


def rules_table(rows: Sequence[dict[str, Any]]) -> Table:
    table = Table(title="Calls")
    for column in ("id", "organisation", "deadline (Morocco)", "deadline (UTC)", "days left", "late policy"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[key]) for key in ("id", "organisation", "local", "utc", "days_left", "late_policy")))
    return table


# ---------------------------------------------------------------- operator commands

T = TypeVar("T")


def track(items: Sequence[T], description: str) -> Iterator[T]:
    """A progress bar on stderr (stdout may be JSON for a script), only when a person is watching."""
    err = Console(stderr=True)
    with Progress(console=err, transient=True, disable=not err.is_terminal) as progress:
        yield from progress.track(items, total=len(items), description=description)


def _verdict(verdict: str, overridden: bool = False) -> str:
    mark = " (override)" if overridden else ""
    return f"[{VERDICT_STYLES.get(verdict, 'white')}]{escape(verdict)}{mark}[/]"


def applications_table(rows: Sequence[dict[str, Any]], title: str) -> Table:
    table = Table(title=title)
    for column in ("id", "received (Morocco)", "applicant", "call", "verdict", "missing", "mails"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row["id"],
            local_time(row["received_at"]),
            escape(_who(row["name"], row["sender"])),
            escape(row["call"]),
            _verdict(row["verdict"], row["overridden"]),
            ", ".join(row["missing"]) or "-",
            ", ".join(str(i) for i in row["mails"]),
        )
    return table


def _who(name: str, address: str) -> str:
    return f"{name} <{address}>" if name else address


def _pairs(title: str, pairs: Sequence[tuple[str, str]]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in pairs:
        table.add_row(key, value)  # values are escaped by the callers, which may add markup of their own
    return table


def _size(size: int | None) -> str:
    return "-" if size is None else f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} B"


def _event_text(kind: str, detail: Any) -> str:
    if isinstance(detail, dict) and kind == "decision":
        missing = ", ".join(detail.get("missing") or [])
        return f"{detail.get('verdict')} for {detail.get('call') or '-'}" + (f", missing {missing}" if missing else "")
    text = json.dumps(detail, ensure_ascii=False, default=str)
    return text if len(text) <= 300 else text[:297] + "..."


def events_table(events: Sequence[dict[str, Any]], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("at (Morocco)", "event", "detail"):
        table.add_column(column, overflow="fold")
    for event in events:
        table.add_row(
            local_time(event["at"]), escape(event["kind"]), escape(_event_text(event["kind"], event["detail"]))
        )
    return table


def documents_table(documents: Sequence[dict[str, Any]], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("file", "kind", "type", "size", "pages", "why"):
        table.add_column(column, overflow="fold")
    for d in documents:
        problem = d["problem"]["text"] if d["problem"] else ""
        why = escape("; ".join(r["text"] for r in d["reasons"] if r["text"] != problem))
        why += f"\n[red]{escape(problem)}[/]" if problem else ""
        inside = f"\n[dim]in {escape(d['inside'])}[/]" if d["inside"] else ""
        name = escape(d["filename"]) + inside
        table.add_row(name, escape(d["kind"]), escape(d["mime"] or ""), _size(d["size"]), str(d["pages"] or "-"), why)
    return table


def detail_view(detail: dict[str, Any]) -> list[RenderableType]:
    """Everything about one application or mail: its mails, their documents and events."""
    shown: list[RenderableType] = []
    app = detail["application"]
    if app is not None:
        pairs = [
            ("call", escape(app["call"])),
            ("applicant", escape(_who(app["name"], app["sender"]))),
            ("verdict", _verdict(app["verdict"], app["overridden"])),
            ("missing", escape(", ".join(app["missing"]) or "-")),
            ("mails", ", ".join(str(i) for i in app["mails"])),
        ]
        shown.append(_pairs(f"Application {app['id']}", pairs))
    for mail in detail["mails"]:
        pairs = [
            ("received", f"{local_time(mail['received_at'])} Morocco ({escape(mail['received_source'])})"),
            ("from", escape(_who(mail["sender_name"], mail["sender"]))),
            ("subject", escape(mail["subject"] or "")),
            ("call", escape(mail["call"] or "-")),
            ("verdict", _verdict(mail["verdict"])),
            ("documents", escape("\n".join(f"{kind}: {state}" for kind, state in mail["states"].items()) or "-")),
            ("reasons", escape("\n".join(r["text"] for r in mail["reasons"]))),
        ]
        shown.append(_pairs(f"Mail {mail['id']}", pairs))
        shown.append(documents_table(mail["documents"], f"Documents of mail {mail['id']}"))
        shown.append(events_table(mail["events"], f"Events of mail {mail['id']}"))
    if detail["call_events"]:
        shown.append(events_table(detail["call_events"], "Events of the call (extensions)"))
    return shown


def _change_lines(change: dict[str, Any]) -> list[str]:
    if change["skipped"]:
        return [f"[red]skipped: {escape(change['skipped'])}[/]"]
    lines = []
    for name in change["changed"]:
        before, after = change["before"][name], change["after"][name]
        if isinstance(before, list):
            before, after = ", ".join(before) or "-", ", ".join(after) or "-"
        lines.append(escape(f"{name}: {before or '-'} -> {after or '-'}"))
    kept = change["kept"].items()
    lines += [escape(f"{name}: kept (override; the rules now say {said or '-'})") for name, said in kept]
    return lines


def changes_table(changes: Sequence[dict[str, Any]], title: str) -> Table:
    table = Table(title=title)
    for column in ("mail", "from", "before -> after"):
        table.add_column(column, overflow="fold")
    for change in changes:
        lines = _change_lines(change)
        if lines:
            table.add_row(str(change["mail"]), escape(change["sender"] or "?"), "\n".join(lines))
    return table


def extensions_table(rows: Sequence[dict[str, Any]], title: str) -> Table:
    table = Table(title=title)
    for column in ("until (Morocco)", "applicant", "note", "recorded (Morocco)"):
        table.add_column(column, overflow="fold")
    for row in rows:
        who = escape(row["applicant"] or "everyone")
        table.add_row(local_time(row["until"]), who, escape(row["note"]), local_time(row["at"]))
    return table


def _print_mailboxes(out: Console, report: dict[str, Any]) -> None:
    """Each polled mailbox's state; a line instead of an empty table when none was polled yet."""
    if not report["mailboxes"]:
        configured = any(source["kind"] == "imap" for source in report["sources"])
        out.print("Mailboxes: not polled yet" if configured else
                  "Mailboxes: none in the config; mail comes from the folders under Sources")
        return
    boxes = Table(title="Mailboxes")
    columns = ("mailbox", "state", "folder", "last poll", "last success", "failing since", "last error", "mails seen")
    for column in (*columns, "not answered (backlog)"):
        boxes.add_column(column, overflow="fold")
    for box in report["mailboxes"]:
        boxes.add_row(
            str(box["mailbox"]),
            _STATE_STYLE.get(box.get("state", "ok"), "{}").format(box.get("state", "ok")),
            str(box["folder"] or ""),
            _when(box["last_poll_at"]),
            _when(box["last_ok_at"]),
            _when(box["failing_since"]),
            f"[red]{escape(str(box['last_error']))}[/]" if box["failing_since"] else "",
            str(box["mails_seen"]),
            str(box.get("unanswered", 0)),
        )
    out.print(boxes)
    for box in report["mailboxes"]:
        for problem in box.get("problems", []):
            out.print(problem_line(box["mailbox"], problem))


def print_status(out: Console, report: dict[str, Any]) -> None:
    _print_mailboxes(out, report)
    counts = Table(title="Mails per call and verdict")
    for column in ("call", "verdict", "mails"):
        counts.add_column(column)
    for row in report["counts"]:
        counts.add_row(str(row["call"]), str(row["verdict"]), str(row["n"]))
    out.print(counts)
    outbox = ", ".join(f"{row['state']}: {row['n']}" for row in report["outbox"]) or "empty"
    out.print(f"Outbox: {outbox}")
    rules = report["rules"]
    if rules is not None and rules.get("state") == "error":
        failure = escape(str(rules["detail"]))
        out.print(f"[red]Rules: the last good rules are in force; the new ones failed: {failure}[/]")
    out.print(sources_table(report["sources"]))
    out.print(calls_table(report["calls"]))
    for error in report["rule_errors"]:
        out.print(f"[red]{escape(error)}[/]")


_STATE_STYLE = {"ok": "[green]{}[/]", "degraded": "[yellow]{}[/]", "failing": "[red]{}[/]"}


def problem_line(mailbox: str, problem: dict[str, Any]) -> str:
    """One failing action: what, since when, the error, then its fix (in French, as reasons are shown)."""
    folder = f" into {problem['folder']}" if problem.get("folder") else ""
    head = f"mailbox {mailbox}: {problem['action']}{folder} failing since {local_time(problem['since'])}"
    return (
        f"[red]{escape(head)} ({problem['failures']} time(s), cause: {problem['cause']}): "
        f"{escape(problem['error'])}[/]\n  à corriger : {escape(problem['fix'])}"
    )


def print_check(out: Console, report: dict[str, Any]) -> None:
    """`check`: one block per mailbox, then the SMTP server; a failure in red."""
    for box in report["mailboxes"]:
        out.print(f"[bold]mailbox {escape(box['name'])}[/]: login {box['login']}")
        if box["error"]:
            out.print(f"  [red]{escape(box['error'])}[/]")
            continue
        namespace = ", ".join(f"{prefix!r} (delimiter {delim!r})" for prefix, delim in box["namespace"]) or "none"
        out.print(f"  capabilities: {escape(' '.join(box['capabilities']))}")
        out.print(f"  delimiter: {box['delimiter']!r}; personal namespace: {escape(namespace)}")
        out.print(f"  our folders go under: {escape(repr(box['prefix']))}")
        out.print(f"  can create folders: {escape(box['can_create'])}")
        out.print(f"  mails waiting for the next poll: {box['waiting']}")
        out.print(f"  new mail: {escape(box['push_detail'])}")
        out.print("  files into:")
        for folder in box["folders"]:
            there = "exists" if folder["exists"] else "to be created"
            out.print(f"    {escape(folder['folder'])} -> {escape(folder['name'])} ({there})")
    smtp = escape(str(report["smtp"]))
    out.print(f"[bold]smtp[/]: {smtp}" if report["smtp_ok"] else f"[red]smtp: {smtp}[/]")


def sources_table(rows: Sequence[dict[str, Any]]) -> Table:
    table = Table(title="Sources")
    for column in ("name", "kind", "host or path", "folder", "filed into", "login"):
        table.add_column(column, overflow="fold")
    for row in rows:
        cells = (row["name"], row["kind"], row["where"], row["folder"], row["file_into"], row["auth"])
        table.add_row(*(escape(str(cell or "-")) for cell in cells))
    return table


def calls_table(rows: Sequence[dict[str, Any]]) -> Table:
    table = Table(title="Rules in force")
    for column in ("id", "organisation", "deadline (Morocco)", "days left", "late policy"):
        table.add_column(column, overflow="fold")
    for row in rows:
        days = "closed" if row["days_left"] is None else str(row["days_left"])
        table.add_row(escape(row["id"]), escape(row["organisation"]), row["deadline"], days, row["late_policy"])
    return table


def _when(value: str | None) -> str:
    return local_time(value) if value else "-"


def outbox_table(rows: Sequence[dict[str, Any]]) -> Table:
    table = Table(title=f"Outbox: {len(rows)} row(s)")
    for column in ("id", "kind", "call", "to", "state", "attempts", "next try / sent", "last error"):
        table.add_column(column, overflow="fold")
    for row in rows:
        when = row.get("sent_at") or row.get("next_attempt_at")
        table.add_row(
            str(row["id"]),
            escape(str(row["kind"])),
            escape(str(row.get("call") or "-")),
            escape(str(row["rcpt"])),
            escape(str(row["state"])),
            str(row.get("attempts") or 0),
            _when(when),
            escape(str(row.get("last_error") or "")),
        )
    return table
