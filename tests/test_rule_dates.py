"""Deadlines in rule files as people type them: read day first, and refused with the fix when ambiguous."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from pathlib import Path

import pytest
from pydantic import BaseModel

from inbox_bot.core.dates import parse_local
from inbox_bot.core.errors import ConfigError
from inbox_bot.core.models import Criterion, Deadline, Documents, OwnKind, Replies, Rule
from inbox_bot.rules.loader import load_rule

RULE = """\
id = "typed-dates"
organisation = "ONG"
title = "Appel"
addresses = ["candidatures@example.org"]
subject = "Candidature"

[deadline]
local = {local}
late_policy = "reject"

[documents]
required = ["cv"]
"""


def write(tmp_path: Path, local: str) -> Path:
    path = tmp_path / "typed-dates.toml"
    path.write_text(RULE.format(local=local), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("10/05/2026 16h00", datetime(2026, 5, 10, 16, 0)),  # TOML itself rejects it bare: read as text
        ("2026-05-10 16:00", datetime(2026, 5, 10, 16, 0)),  # a TOML time needs seconds: read as text
        ('"10/05/2026 16h00"', datetime(2026, 5, 10, 16, 0)),
        ('"05/10/2026"', date(2026, 10, 5)),  # day first, as in Morocco: the 5th of October
        ("10.05.2026 à 9h", datetime(2026, 5, 10, 9, 0)),
        ("10/05/2026 midi  # noon", datetime(2026, 5, 10, 12, 0)),
        ("2026-05-10T16:00:00", datetime(2026, 5, 10, 16, 0)),  # native TOML still works
        ("2026-05-10", date(2026, 5, 10)),
        ("10 mai 2026 à 16h", datetime(2026, 5, 10, 16, 0)),  # month names, as a call writes them
        ('"dimanche 10 mai 2026 16h00"', datetime(2026, 5, 10, 16, 0)),
        ('"1er février 2026"', date(2026, 2, 1)),
        ('"15 ماي 2026 16:00"', datetime(2026, 5, 15, 16, 0)),
        ("10 May 2026 4:30 pm", datetime(2026, 5, 10, 16, 30)),
        ("10/05/2026 4pm", datetime(2026, 5, 10, 16, 0)),
        ("2026/05/10 16:00", datetime(2026, 5, 10, 16, 0)),
        ("2026-05-10T16:00", datetime(2026, 5, 10, 16, 0)),  # TOML wants the seconds; inbox-bot does not
    ],
)
def test_the_forms_people_type_are_read(tmp_path: Path, typed: str, read: date) -> None:
    assert load_rule(write(tmp_path, typed)).deadline.local == read


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("05/13/2026", "dates are read day first (DD/MM/YYYY) and 13 is not a month; did you mean 2026-05-13?"),
        ("10/05/26", "write the year with four digits"),
        ("10/05/2026 minuit", "midnight is ambiguous"),
        ("31/02/2026", "day is out of range for month"),
        ("10/05/2026 25h", "is not a time of day"),
        ("le 10 mai", "is not a date"),
        ("vendredi 10 mai 2026 à 16h", "10/05/2026 is not a vendredi"),
        ("10/05/2026 16h00 GMT+1", 'the zone in `zone` ("GMT+1" is "Etc/GMT-1"'),
        ("10 mai 26", "write the year with four digits"),
        ("10/05/2026 13pm", "is not a time of day"),
    ],
)
def test_an_ambiguous_or_wrong_date_names_the_file_the_field_and_what_to_write(
    tmp_path: Path, typed: str, says: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load_rule(write(tmp_path, typed))
    assert "typed-dates.toml: deadline.local" in str(error.value)
    assert says in str(error.value)


def test_parse_local_reads_am_and_seconds() -> None:
    assert parse_local("2026-05-10 16:00:30") == datetime(2026, 5, 10, 16, 0, 30)
    assert parse_local("10/05/2026 16H30") == datetime(2026, 5, 10, 16, 30)


def test_the_example_in_docs_rules_md_loads_through_the_real_models(tmp_path: Path) -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "rules.md").read_text(encoding="utf-8")
    example = docs.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "omp-cabinet-2026.toml"
    path.write_text(example, encoding="utf-8")
    rule = load_rule(path)
    assert rule.documents.max_pages and rule.criteria[0].weight == 70


def test_the_example_in_docs_rules_md_gives_every_field_of_a_rule() -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "rules.md").read_text(encoding="utf-8")
    example = tomllib.loads(docs.split("```toml\n", 1)[1].split("```", 1)[0])
    commented = {"template_dir"}  # shown as a comment: a folder the reader does not have
    tables: list[tuple[type[BaseModel], dict[str, object]]] = [
        (Rule, example), (Deadline, example["deadline"]), (Documents, example["documents"]),
        (Criterion, example["criteria"][0]), (Replies, example["replies"]),
        (OwnKind, next(iter(example["kinds"].values()))),
    ]
    for model, table in tables:
        assert set(model.model_fields) - set(table) - commented == set(), model.__name__
    assert "# template_dir =" in docs
