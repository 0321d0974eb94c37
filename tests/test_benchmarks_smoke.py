"""The benchmark runs end to end on a tiny corpus, so it cannot rot. Timings are never asserted here."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks import report
from benchmarks.corpus import build_corpus, personalise, zip_with_comment
from benchmarks.report import BOUNDED
from benchmarks.state import seed_ledger
from inbox_bot.storage.ledger import Ledger
from inbox_bot.storage.store import Store

ROOT = Path(__file__).resolve().parents[1]
ROWS = {
    "baseline", "triage", "time_ratio", "cpu", "memory_ratio", "retriage", "retriage_ratio",
    "ocr_baseline", "ocr_triage", "ocr_per_page", "ocr_share", "ocr_time_ratio", "ocr_time_ratio_without",
    "idle_small", "idle_large", "idle_ratio", "idle_own_ratio",
    "big_parse", "big_baseline", "big_triage", "big_ratio",
    "scale:list --call", "scale:applications --call", "scale:applications", "scale:applications --all", "scale:status",
    "scale:digest (built, not sent)", "push_notified", "push_idle", "push_idle_ratio",
    "push_poll", "push_ratio",
}


@pytest.mark.imap
def test_quick_run_reports_every_row_with_finite_ratios(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    measured = json.loads(out.read_text(encoding="utf-8"))
    rows = {row["key"]: row for row in measured["rows"]}
    assert set(rows) == ROWS
    for key in ("time_ratio", "memory_ratio", "idle_ratio", "idle_own_ratio", "big_triage", "big_ratio", "push_idle",
                "push_ratio", "ocr_per_page", "ocr_share", "ocr_time_ratio", "ocr_time_ratio_without"):
        ratio = rows[key]["ratio"]
        assert isinstance(ratio, float) and math.isfinite(ratio) and ratio > 0, (key, ratio)
    assert all(rows[key]["status"].startswith(("OK", "SHORT")) for key in ("time_ratio", "idle_ratio", "big_triage"))
    # --quick measures two rounds, the second in the other order; the ratio shown is their median
    rounds = measured["throughput"]["rounds"]
    assert len(rounds) == 2 and all(r["baseline"] > 0 and r["triage"] > 0 for r in rounds), rounds
    ratios = sorted(r["triage"] / r["baseline"] for r in rounds)
    assert rows["time_ratio"]["ratio"] == pytest.approx(sum(ratios) / 2)
    assert "median of 2 rounds" in rows["time_ratio"]["result"]
    # The corpus really exercises classification: applications come out complete, not unmatched; and it holds
    # nothing a person must look at, so a needs_review means the triage failed (a broken probe, say).
    verdicts = measured["throughput"]["verdicts"]
    assert verdicts.get("complete", 0) > 0 and "needs_review" not in verdicts, verdicts
    assert measured["big"]["triage"]["verdict"] == "complete"
    triage = measured["throughput"]["triage"]
    assert triage["not_measured"] == [], "a timed function of inbox-bot moved: update benchmarks/phases.py"
    assert triage["breakdown"]["read_in_worker"] > 0
    # both cores: the daemon's own CPU time, and the workers' beside it, where the mails were read
    assert triage["cpu"]["process"] > 0 and triage["cpu"]["children"] > 0, triage["cpu"]
    # The scanned variant is read by OCR, page by page, and its phone-sent applications come out complete
    scanned = measured["ocr"]
    assert scanned["corpus"]["scans"] > 0 and scanned["triage"]["calls"]["ocr_pages"] >= scanned["corpus"]["scans"]
    assert scanned["verdicts"] == {"complete": scanned["corpus"]["mails"]}, scanned["verdicts"]
    assert scanned["triage"]["not_measured"] == []
    assert "| measure | result | target | status |" in done.stdout
    assert all(rows[f"scale:{name}"]["status"].startswith(("OK", "SHORT")) for name in BOUNDED)
    assert "Query plans of the operator's queries" in done.stdout
    # a part run alone (`--only`) is rendered with what it measured
    for part, shown in (("throughput", "time: run --once / baseline"), ("ocr", "scanned variant went"),
                        ("scale", "Query plans"), ("push", "IDLE")):
        alone = {key: measured[key] for key in ("plan", "machine", part)}
        alone["rows"] = report.rows(alone)
        assert shown in report.render(alone), part


def test_corpus_is_deterministic_and_its_files_stay_valid() -> None:
    first, stats = build_corpus(8, seed=3)
    again, _ = build_corpus(8, seed=3)
    assert first == again and stats.mails == 8 and stats.scans == 0
    assert build_corpus(8, seed=4)[0] != first
    scanned, scanned_stats = build_corpus(4, seed=3, scanned=1.0)
    assert scanned == build_corpus(4, seed=3, scanned=1.0)[0] and scanned_stats.scans > 0
    assert b"CamScanner" in b"".join(scanned) and b"CamScanner" not in b"".join(first)
    pdf = personalise(b"%PDF-1.4\n%%EOF\n", "pdf", "t1")
    assert pdf.startswith(b"%PDF-1.4\n%%EOF\n") and pdf.endswith(b"% t1\n")
    empty_zip = b"PK\x05\x06" + bytes(18)
    assert zip_with_comment(empty_zip, b"x").endswith(b"\x01\x00x")


class _QuerySpy:
    """Stands for the ledger's database handle and remembers the queries it was asked."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.seen: list[tuple[str, list[Any]]] = []

    def query(self, sql: str, params: list[Any]) -> Any:
        self.seen.append((sql, params))
        return self.db.query(sql, params)


def test_an_idle_poll_finds_pending_filings_without_reading_the_folder(tmp_path: Path) -> None:
    """The fix the benchmark led to: an idle poll cost 9x more at 20,000 mails than at 1,000, because this query
    walked every ledger row of the folder. It must go through the index on `state` (few rows wait for filing)."""
    seed_ledger(tmp_path, "omp", 7, range(1, 2001))
    store = Store(tmp_path / "db.sqlite", tmp_path / "storage")
    try:
        ledger = Ledger(store, "omp", "INBOX")
        spy = _QuerySpy(store.db)
        ledger.db = spy  # type: ignore[assignment]
        assert ledger.pending_filings(7) == []
        sql, params = spy.seen[-1]
        plan = " ".join(str(row[-1]) for row in store.db.execute("explain query plan " + sql, params).fetchall())
    finally:
        store.close()
    assert "idx_ledger_state" in plan, plan
