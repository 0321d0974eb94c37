"""The whole pipeline on mail files: the shipped sample inbox and the real-world corpus."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from inbox_bot.config.settings import Settings
from inbox_bot.core.models import Verdict
from inbox_bot.core.reasons import ReasonCode
from inbox_bot.daemon.pipeline_setup import build_pipeline
from inbox_bot.sources.files import read_paths
from inbox_bot.triage.pipeline import dry_run
from tests.values import RULES

ROOT = Path(__file__).resolve().parents[1]
INBOX = ROOT / "examples" / "inbox"
EXPECTED = json.loads((ROOT / "examples" / "expected.json").read_text(encoding="utf-8"))
REALWORLD = ROOT.parent / "shared" / "corpus" / "realworld"


@pytest.fixture(scope="module")
def sample_results() -> dict[str, dict[str, object]]:
    pipeline = build_pipeline(Settings(), RULES)
    return {Path(t.result.file).name: t.result.summary() for t in dry_run(pipeline, read_paths([INBOX]))}


def test_every_sample_mail_gets_the_verdict_it_was_written_for(sample_results: dict[str, dict[str, object]]) -> None:
    assert set(sample_results) == set(EXPECTED)
    wrong = {
        name: (result["verdict"], result["call"], result["missing"])
        for name, result in sample_results.items()
        if (result["verdict"], result["call"]) != (EXPECTED[name]["verdict"], EXPECTED[name]["call"])
        or (EXPECTED[name]["verdict"] == "incomplete" and result["missing"] != sorted(EXPECTED[name]["missing"]))
    }
    assert wrong == {}


def test_sample_inbox_covers_every_verdict(sample_results: dict[str, dict[str, object]]) -> None:
    # every verdict the triage gives; `rejected` is a person's only, never the triage's
    assert {r["verdict"] for r in sample_results.values()} == {v.value for v in Verdict} - {Verdict.REJECTED.value}


def test_results_are_in_order_of_receipt_with_offsets(sample_results: dict[str, dict[str, object]]) -> None:
    times = [str(r["received_at"]) for r in sample_results.values()]
    assert all(t.endswith("+00:00") for t in times)
    assert times == sorted(times)


def test_every_decision_says_why(sample_results: dict[str, dict[str, object]]) -> None:
    assert all(r["reasons"] for r in sample_results.values())


def realworld_files() -> list[Path]:
    return sorted(p for p in REALWORLD.rglob("*.eml"))


def test_the_realworld_corpus_is_there() -> None:
    assert len(realworld_files()) == 242


def test_every_realworld_mail_gets_a_verdict_without_an_exception(caplog: pytest.LogCaptureFixture) -> None:
    pipeline = build_pipeline(Settings(), RULES)
    mails = list(read_paths(realworld_files()))
    results = [pipeline.triage(raw, _NoHistory()).result for raw in mails]
    assert len(results) == len(mails) >= 242
    verdicts = Counter(r.verdict for r in results)
    assert verdicts[Verdict.UNMATCHED] + verdicts[Verdict.IGNORED] > 0.8 * len(results)
    assert not any(reason.code is ReasonCode.TRIAGE_FAILED for r in results for reason in r.reasons), (
        "the pipeline caught an internal error: a stage raised on real-world input"
    )
    assert not [rec for rec in caplog.records if rec.levelname in ("ERROR", "CRITICAL")]


class _NoHistory:
    def dossier(self, call: str, applicant: str, message_id: str | None = None):  # type: ignore[no-untyped-def]
        from inbox_bot.core.models import DossierSoFar

        return DossierSoFar()
