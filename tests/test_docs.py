"""The documentation is tested: every command is in the README with help and an example; shipped files load."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from inbox_bot.cli import reference
from inbox_bot.cli.main import main
from inbox_bot.config.settings import load_settings
from inbox_bot.rules.loader import load_rules

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


ALL = sorted(reference.commands(main))


def test_there_are_commands() -> None:
    assert len(ALL) >= 13


@pytest.mark.parametrize(("path", "command"), ALL, ids=[p for p, _ in ALL])
def test_every_command_is_in_the_readme_and_its_help_has_an_example(path: str, command: click.Command) -> None:
    assert f"`inbox-bot {path}" in README
    result = CliRunner().invoke(main, [*path.split(), "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output


@pytest.mark.parametrize(("path", "command"), ALL, ids=[p for p, _ in ALL])
def test_bad_arguments_exit_non_zero_with_one_line(path: str, command: click.Command) -> None:
    result = CliRunner().invoke(main, [*path.split(), "--no-such-option"])
    assert result.exit_code == 2
    assert "No such option" in result.output


def test_readme_command_table_is_the_one_help_gives() -> None:
    assert reference.README == ROOT / "README.md"
    assert reference.render(README) == README, f"README.md's command table is out of date: run `{reference.FIX}`"


def test_the_reference_command_rewrites_only_between_its_markers() -> None:
    stale = README.replace("| List the recorded mails", "| Old words about the recorded mails")
    assert stale != README and reference.render(stale) == README
    with pytest.raises(SystemExit, match="markers"):
        reference.render("# a README without the table\n")


def test_config_example_loads_through_the_real_models() -> None:
    settings = load_settings(ROOT / "config.example.toml")
    assert settings.rules_dir == ROOT / "rules"
    assert settings.sources and settings.sources[0].path == ROOT / "examples" / "inbox"


def test_readme_opens_with_the_two_commands() -> None:
    first_blocks = re.findall(r"^    (\S.*)$", README, re.MULTILINE)[:2]
    assert "run --once" in first_blocks[0] and "config.example.toml" in first_blocks[0]
    assert first_blocks[1] == "scripts/test"
    assert (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().endswith("exec scripts/test")


def test_shipped_rules_load() -> None:
    assert len(load_rules(ROOT / "rules")) == 5


def test_the_architecture_page_maps_every_package_and_module() -> None:
    """docs/architecture.md is the map a newcomer reads first: a package or module missing from it is a stale map."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    package = ROOT / "inbox_bot"
    unmapped = []
    for folder in sorted(p for p in package.iterdir() if (p / "__init__.py").exists()):
        if f"`{folder.name}/`" not in page:
            unmapped.append(f"{folder.name}/")
        for module in sorted(folder.glob("*.py")):
            if module.stem != "__init__" and f"`{module.stem}`" not in page and f"{module.stem}.py" not in page:
                unmapped.append(f"{folder.name}/{module.name}")
    assert unmapped == [], f"docs/architecture.md does not say where these live: {unmapped}"
