"""Write the sample inbox: examples/inbox/NNN-slug.eml and examples/expected.json.

    .venv/bin/python examples/build_inbox.py [--out DIR]

Deterministic: fixed dates, ids and file timestamps, so running it twice gives byte-identical files.
Files are numbered in the order our servers received them (the topmost Received header).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # so `python examples/build_inbox.py` can import tests.mailbuilder

from examples import (  # noqa: E402
    scenarios_alci,
    scenarios_hakama,
    scenarios_omp_firm,
    scenarios_omp_officer,
    scenarios_oxfam,
    scenarios_scans,
)
from examples.delivery import Sample  # noqa: E402

VERDICTS = {"complete", "incomplete", "late", "duplicate", "unmatched", "ignored", "needs_review"}


def collect() -> list[Sample]:
    samples = [
        *scenarios_oxfam.samples(),
        *scenarios_alci.samples(),
        *scenarios_omp_officer.samples(),
        *scenarios_omp_firm.samples(),
        *scenarios_hakama.samples(),
        *scenarios_scans.samples(),
    ]
    slugs = [s.slug for s in samples]
    duplicated = {slug for slug in slugs if slugs.count(slug) > 1}
    if duplicated:
        raise SystemExit(f"slugs used twice: {sorted(duplicated)}")
    for sample in samples:
        if sample.verdict not in VERDICTS:
            raise SystemExit(f"{sample.slug}: unknown verdict {sample.verdict!r}")
        if (sample.verdict == "incomplete") != bool(sample.missing):
            raise SystemExit(f"{sample.slug}: only incomplete mails list missing documents")
    return sorted(samples, key=lambda s: (s.at, s.slug))


def expected(named: list[tuple[str, Sample]]) -> dict[str, dict[str, object]]:
    return {
        name: {
            "verdict": sample.verdict,
            "call": sample.call,
            "missing": sorted(sample.missing),
            "note": sample.note,
        }
        for name, sample in named
    }


def write(out: Path) -> list[tuple[str, Sample]]:
    inbox = out / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for stale in inbox.glob("*.eml"):
        stale.unlink()
    named = [(f"{n:03d}-{sample.slug}.eml", sample) for n, sample in enumerate(collect(), start=1)]
    for name, sample in named:
        (inbox / name).write_bytes(sample.raw)
    text = json.dumps(expected(named), indent=2, ensure_ascii=False) + "\n"
    (out / "expected.json").write_text(text, encoding="utf-8")
    return named


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "examples", help="folder to write inbox/ and expected.json")
    args = parser.parse_args(argv)
    named = write(args.out)
    counts: dict[str, int] = {}
    for _, sample in named:
        counts[sample.verdict] = counts.get(sample.verdict, 0) + 1
    summary = ", ".join(f"{verdict} {count}" for verdict, count in sorted(counts.items()))
    print(f"wrote {len(named)} mails to {args.out / 'inbox'} ({summary})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
