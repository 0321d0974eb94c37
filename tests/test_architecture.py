"""The house rules that code review alone would let slip: each library behind one module."""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "inbox_bot"
# The vocabulary (pydantic) is shared by design; the command-line modules share click.
SHARED = {
    "pydantic": None,
    "click": {"cli.main", "cli.common", "cli.operator_commands", "cli.digest_commands", "cli.reference"},
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
    assert users["mailparser"] == {"triage.parse"}
    assert users["sqlite_utils"] <= {"storage.store", "storage.schema"}
    assert users["apscheduler"] == {"daemon.scheduler"}
    assert users["openpyxl"] == {"operator.export"}
