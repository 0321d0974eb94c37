"""OCR's cost and accuracy (issue #17): seconds per page read, the kind found for each generated scan, and OCR's
share of a run over the sample inbox, with and without the mails whose scans need it.

    .venv/bin/python -m benchmarks.ocr [--json FILE]

Each scan is read once, in a fresh process (the sandbox keeps what OCR read, so a second reading would cost
nothing). Timings depend on the machine and its load: compare runs made on the same machine.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from inbox_bot.config.settings import Settings
from inbox_bot.daemon.pipeline_setup import build_pipeline
from inbox_bot.rules.loader import load_rules
from inbox_bot.sources.files import read_paths
from inbox_bot.triage.attachments import read_attachments
from inbox_bot.triage.classify import classify
from inbox_bot.triage.pipeline import dry_run
from tests import scans

ROOT = Path(__file__).resolve().parents[1]
INBOX = ROOT / "examples" / "inbox"
EXPECTED = json.loads((ROOT / "examples" / "expected.json").read_text(encoding="utf-8"))


def scan_corpus() -> dict[str, Any]:
    rows, pages, seconds = [], 0, 0.0
    for name, data, kind in scans.corpus():
        started = time.perf_counter()
        [attachment] = read_attachments([(name, data)])
        took = time.perf_counter() - started
        found = classify(attachment).kind.value
        read = int((attachment.ocr or "").startswith("lu par OCR")) and (attachment.pages or 1)
        pages, seconds = pages + min(read, 3), seconds + took
        rows.append({"file": name, "kind": found, "expected": kind, "seconds": round(took, 2), "ocr": attachment.ocr})
    right = sum(row["kind"] == row["expected"] for row in rows)
    return {"scans": rows, "kind_right": f"{right}/{len(rows)}", "seconds_per_page": round(seconds / pages, 2)}


def sample_inbox() -> dict[str, Any]:
    files = sorted(INBOX.glob("*.eml"))
    ocr_mails = {f.name for f in files if "OCR" in EXPECTED[f.name]["note"]}  # the sample mails of issue #17
    pipeline = build_pipeline(Settings(), load_rules(ROOT / "rules"))
    without = _timed(pipeline, [f for f in files if f.name not in ocr_mails])
    started = time.perf_counter()
    results = list(dry_run(pipeline, read_paths(files)))
    total = time.perf_counter() - started
    verdicts_right = sum(r.result.verdict.value == EXPECTED[Path(r.result.file).name]["verdict"]
                         for r in results if Path(r.result.file).name in ocr_mails)
    return {
        "mails": len(files), "mails_needing_ocr": len(ocr_mails),
        "verdict_right_on_ocr_mails": f"{verdicts_right}/{len(ocr_mails)}",
        "seconds_without_ocr_mails": round(without, 2), "seconds_with_ocr_mails": round(total, 2),
        "ratio": round(total / without, 2), "ocr_share_of_run": f"{(total - without) / total:.0%}",
    }


def _timed(pipeline: Any, files: list[Path]) -> float:
    started = time.perf_counter()
    for _ in dry_run(pipeline, read_paths(files)):
        pass
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ocr", description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    args = parser.parse_args(argv)
    results = {"generated_scans": scan_corpus(), "sample_inbox": sample_inbox()}
    for row in results["generated_scans"]["scans"]:
        mark = "ok " if row["kind"] == row["expected"] else "BAD"
        print(f"{mark} {row['seconds']:6.2f} s  {row['kind']:<18} {row['file']}  [{row['ocr']}]")
    print(json.dumps({k: v for k, v in results["generated_scans"].items() if k != "scans"}))
    print(json.dumps(results["sample_inbox"]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
