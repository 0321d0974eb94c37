"""The five shipped rules, checked against the text of the calls they come from."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from inbox_bot.core.errors import ConfigError
from inbox_bot.core.models import DocumentKind, LatePolicy
from inbox_bot.rules.loader import load_rule, load_rules
from inbox_bot.triage.match import normalise

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
RULES = load_rules(ROOT / "rules")
EXPECTED_IDS = {
    "omp-cabinet-2026": "000_ee3b996e218b4559.txt",
    "omp-charge-projet-2026": "001_5dea1c7f1f3ca551.txt",
    "alci-guide-2024": "002_9e1f9dd7d02bdd0d.txt",
    "oxfam-migration-2022": "003_41fc5bbcffa26744.txt",
    "hakama-communication-2026": "004_a9d568d887a6dd0b.txt",
}


def seed_text(rule_id: str) -> str:
    return (SEEDS / EXPECTED_IDS[rule_id]).read_text(encoding="utf-8")


def test_one_rule_per_seed_with_the_agreed_ids() -> None:
    assert set(RULES) == set(EXPECTED_IDS)
    for rule_id, seed in EXPECTED_IDS.items():
        assert RULES[rule_id].seed == seed


@pytest.mark.parametrize("rule_id", sorted(EXPECTED_IDS))
def test_addresses_and_subject_are_written_in_the_call(rule_id: str) -> None:
    text = seed_text(rule_id)
    rule = RULES[rule_id]
    for address in rule.addresses:
        assert address in text.lower()
    if rule.subject is not None:
        assert normalise(rule.subject) in normalise(text)


@pytest.mark.parametrize(
    ("rule_id", "closes_utc", "policy"),
    [
        # May 2026: Morocco is UTC+01, so "avant 16h00" closes at 15:00 UTC.
        ("omp-cabinet-2026", datetime(2026, 5, 10, 15, 0, tzinfo=UTC), LatePolicy.REJECT),
        ("omp-charge-projet-2026", datetime(2026, 5, 4, 15, 0, tzinfo=UTC), LatePolicy.REJECT),
        # A date without a time: the whole day counts (Morocco at UTC+01 in January 2024).
        ("alci-guide-2024", datetime(2024, 1, 6, 23, 0, tzinfo=UTC), LatePolicy.REJECT),
        # "à 23:59": that minute counts; late mail is held, as the call says.
        ("oxfam-migration-2022", datetime(2022, 1, 21, 23, 0, tzinfo=UTC), LatePolicy.HOLD),
        ("hakama-communication-2026", datetime(2026, 5, 31, 23, 0, tzinfo=UTC), LatePolicy.REJECT),
    ],
)
def test_deadlines_in_morocco_time(rule_id: str, closes_utc: datetime, policy: LatePolicy) -> None:
    rule = RULES[rule_id]
    assert rule.deadline.zone == "Africa/Casablanca"
    assert rule.deadline.closes_at() == closes_utc
    assert rule.deadline.late_policy is policy
    local = rule.deadline.local
    day_month = rf"0?{local.day}\s*(/0?{local.month}/|\s+\w+\s+){local.year}"
    assert re.search(day_month, seed_text(rule_id), re.IGNORECASE), "the deadline's date is in the call"


@pytest.mark.parametrize(
    ("rule_id", "required"),
    [
        ("omp-cabinet-2026", {"administrative_file", "methodology_note", "financial_offer", "references", "cv"}),
        ("omp-charge-projet-2026", {"cv", "cover_letter", "references"}),
        ("alci-guide-2024", {"cv", "methodology_note", "financial_offer"}),
        (
            "oxfam-migration-2022",
            {"cv", "methodology_note", "financial_offer", "tax_certificate", "code_of_conduct", "signed_terms"},
        ),
        ("hakama-communication-2026", {"cv", "methodology_note", "financial_offer"}),
    ],
)
def test_required_dossier(rule_id: str, required: set[str]) -> None:
    assert {str(k) for k in RULES[rule_id].documents.required} == required


def test_oxfam_methodology_note_is_limited_to_ten_pages() -> None:
    assert RULES["oxfam-migration-2022"].documents.max_pages == {DocumentKind.METHODOLOGY_NOTE: 10}
    assert "maximum 10 pages" in seed_text("oxfam-migration-2022")


def test_both_omp_calls_share_one_address_and_alci_has_two() -> None:
    assert RULES["omp-cabinet-2026"].addresses == RULES["omp-charge-projet-2026"].addresses
    assert len(RULES["alci-guide-2024"].addresses) == 2


def write_rule(tmp_path: Path, text: str, name: str = "bad-call.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = (ROOT / "rules" / "alci-guide-2024.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("mutate", "field", "fix_words"),
    [
        (lambda t: t.replace('late_policy = "reject"', 'late_policy = "later"'), "deadline.late_policy", "reject"),
        (lambda t: t.replace('required = ["cv"', 'required = ["cvv"'), "documents.required.0", "cv"),
        (lambda t: t.replace("addresses =", "adresses ="), "adresses", "unknown key"),
        (lambda t: t.replace('zone = "Africa/Casablanca"', 'zone = "Morocco/Rabat"'), "deadline.zone", ""),
        (lambda t: t.replace('"mouvementalci@gmail.com"', '"mouvementalci"'), "addresses", ""),
    ],
)
def test_rule_errors_name_file_field_and_fix(tmp_path: Path, mutate, field: str, fix_words: str) -> None:  # type: ignore[no-untyped-def]
    path = write_rule(tmp_path, mutate(GOOD), "alci-guide-2024.toml")
    with pytest.raises(ConfigError) as caught:
        load_rule(path)
    line = caught.value.one_line()
    assert str(path) in line
    assert field in line
    assert "fix:" in line
    assert fix_words in line


def test_rule_file_name_must_match_its_id(tmp_path: Path) -> None:
    path = write_rule(tmp_path, GOOD, "alci.toml")
    with pytest.raises(ConfigError, match=r"alci-guide-2024\.toml"):
        load_rule(path)


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    path = write_rule(tmp_path, GOOD + "\n[deadline\n", "alci-guide-2024.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_rule(path)


def test_every_bad_rule_file_is_reported_each_with_its_rule_and_fix(tmp_path: Path) -> None:
    alci = GOOD.replace('late_policy = "reject"', 'late_policy = "later"').replace("addresses =", "adresses =")
    write_rule(tmp_path, alci, "alci-guide-2024.toml")
    hakama = (ROOT / "rules" / "hakama-communication-2026.toml").read_text(encoding="utf-8")
    write_rule(tmp_path, hakama.replace("weight = 30", "weight = 300"), "hakama-communication-2026.toml")
    oxfam = (ROOT / "rules" / "oxfam-migration-2022.toml").read_text(encoding="utf-8")
    write_rule(tmp_path, oxfam, "oxfam-migration-2022.toml")
    with pytest.raises(ConfigError) as caught:
        load_rules(tmp_path)
    error = caught.value
    located = [(Path(p.file or "").name, p.field) for p in error.problems]
    assert located == [
        ("alci-guide-2024.toml", "adresses"),
        ("alci-guide-2024.toml", "addresses"),
        ("alci-guide-2024.toml", "deadline.late_policy"),
        ("hakama-communication-2026.toml", "criteria[Offre financière].weight"),
    ]
    lines = error.one_line().splitlines()
    assert lines[0] == "4 problems, each with its fix:" and len(lines) == 5
    assert all("(fix: " in line for line in lines[1:]) and error.exit_code == 2
