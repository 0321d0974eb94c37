"""Loads and validates rules/*.toml: one call for applications per file."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import ValidationError

from inbox_bot.core.errors import ConfigError, describe_validation_error
from inbox_bot.core.models import Rule

# `local = 10/05/2026 16h00` or `local = 2026-05-10 16:00` are not TOML (a TOML time needs seconds): such a
# bare deadline is read as the text it is, and the Deadline model reads it day first (inbox_bot.core.dates).
_BARE_LOCAL = re.compile(r"^(\s*local\s*=\s*)([^\s\"'#][^#\n]*?)(\s*(?:#.*)?)$", re.MULTILINE)
_TOML_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?)?")


def _quote_typed_dates(text: str) -> str:
    def quoted(match: re.Match[str]) -> str:
        value = match.group(2)
        if _TOML_DATETIME.fullmatch(value):
            return match.group(0)
        return f'{match.group(1)}"{value}"{match.group(3)}'

    return _BARE_LOCAL.sub(quoted, text)


def load_rule(path: Path) -> Rule:
    try:
        data = tomllib.loads(_quote_typed_dates(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=str(path), fix="check quotes, brackets and commas") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", file=str(path), fix="save the file as UTF-8") from exc
    try:
        rule = Rule.model_validate(data)
    except ValidationError as exc:
        raise describe_validation_error(exc, path, data) from exc
    if rule.id != path.stem:
        raise ConfigError(
            f"id {rule.id!r} differs from the file name",
            file=str(path),
            field="id",
            fix=f"name the file {rule.id}.toml or set id = {path.stem!r}",
        )
    return rule


def load_rules(directory: Path) -> dict[str, Rule]:
    """Every rule of a folder, by id. Any bad file is an error: a half-loaded rulebook mis-sorts mail.
    Every bad file is reported, each problem with its file, field and fix."""
    if not directory.is_dir():
        raise ConfigError("rules folder not found", file=str(directory), fix="pass --rules DIR or set `rules_dir`")
    rules: dict[str, Rule] = {}
    errors: list[ConfigError] = []
    for path in sorted(directory.glob("*.toml")):
        try:
            rule = load_rule(path)
        except ConfigError as exc:
            errors.append(exc)
            continue
        rules[rule.id] = rule
    if errors:
        raise ConfigError.joined(errors)
    if not rules:
        raise ConfigError(
            "no rule files (*.toml) in this folder",
            file=str(directory),
            fix="add one file per call, see rules/ in the repository",
        )
    return rules
