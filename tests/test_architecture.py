"""The house rules that code review alone would let slip: each library behind one module."""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "inbox_bot"
# The vocabulary (pydantic) is shared by design; the command-line modules share click.
SHARED = {
    "pydantic": None,
    "click": {
        "cli.main", "cli.common", "cli.operator_commands", "cli.digest_commands", "cli.reference", "cli.rules_commands",
        "cli.lazy", "cli.mail_commands", "cli.rule_template",
    },
    "sqlite_utils": {"storage.store", "storage.schema"},  # the schema is the store's own migrations
}


def third_party_imports() -> dict[str, set[str]]:
    users: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        module = path.relative_to(PACKAGE).with_suffix("").as_posix().replace("/", ".")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top != "inbox_bot" and top not in sys.stdlib_module_names and top != "__future__":
                    users[top].add(module)
    return users


def test_each_third_party_library_is_imported_by_one_module() -> None:
    offenders = {}
    for library, modules in third_party_imports().items():
        allowed = SHARED.get(library, set())
        if library in SHARED and allowed is None:
            continue
        extra = modules - (allowed or set())
        if len(extra) > (0 if allowed else 1):
            offenders[library] = sorted(modules)
    assert offenders == {}


def test_the_libraries_we_rely_on_are_where_we_say() -> None:
    users = third_party_imports()
    assert users["imapclient"] == {"sources.imap"}
    assert users["magic"] == {"triage.attachments"}
    assert users["PIL"] == {"triage.ocr"}  # tesseract runs there too, the only subprocess on images
    assert users["mailparser"] == {"triage.parse"}
    assert users["pybase64"] == {"triage.rawview"}
    assert users["sqlite_utils"] <= {"storage.store", "storage.schema"}
    assert users["apscheduler"] == {"daemon.scheduler"}
    assert users["openpyxl"] == {"operator.export"}


# Only the storage package speaks SQL and commits: everything else asks it by name.
SQL_CALLS = {"execute", "executescript", "executemany", "commit", "rollback", "query", "table"}
SQL_ATTRIBUTES = {"conn", "db"}
# Each statement by its shape, so that prose ("Delete for good...", "with the rules") is not taken for SQL.
SQL_TEXT = re.compile(
    r"\s*(select\s.+\sfrom\s|select\s+(count|coalesce|max|min)\(|insert\s+(or\s+\w+\s+)?into\s|update\s+\[?\w+\]?\s+set\s"
    r"|delete\s+from\s|create\s+(unique\s+)?(table|index|view|trigger)\s|drop\s+(table|index)\s|alter\s+table\s"
    r"|pragma\s+\w+|with\s+\w+\s+as\s*\()",
    re.IGNORECASE | re.DOTALL,
)


def sql_outside_storage() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).with_suffix("").as_posix().replace("/", ".")
        if module.startswith("storage."):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS:
                found.append(f"{module}:{node.lineno}: .{node.func.attr}(...)")
            elif isinstance(node, ast.Attribute) and node.attr in SQL_ATTRIBUTES:
                found.append(f"{module}:{node.lineno}: .{node.attr}")
            elif (text := _text(node)) is not None and _looks_like_sql(text):
                found.append(f"{module}:{node.lineno}: {text[:40]!r}")
    return found


def _text(node: ast.AST) -> str | None:
    """A string constant, or an f-string with each placeholder read as a name."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
    return None


def _looks_like_sql(text: str) -> bool:
    return SQL_TEXT.match(text) is not None


def test_only_storage_speaks_sql_or_commits() -> None:
    assert sql_outside_storage() == []


def test_the_sql_scan_sees_what_it_is_meant_to_see() -> None:
    seen = [
        _looks_like_sql("select id from mails where sha256 = ?"),
        _looks_like_sql("PRAGMA secure_delete = ON"),
        _looks_like_sql("  UPDATE outbox set state = ? where id = ?"),
        _looks_like_sql("insert or ignore into ledger (mailbox) values (?)"),
        _looks_like_sql("with recent as (select 1) select * from recent"),
        _looks_like_sql("Update the rule file, then run again"),
        _looks_like_sql("with the rules in force"),
        _looks_like_sql("Delete for good the personal data of a finished call"),
    ]
    assert seen == [True, True, True, True, True, False, False, False]
