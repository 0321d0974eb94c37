"""Score inbox-bot on the corpus: call, verdict, missing-set and kind accuracy, and the mails it got wrong.

    .venv/bin/python -m tests.corpus.score          # prints the figures and every miss
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from inbox_bot.core.models import RawMail, TriageResult
from inbox_bot.core.wording import render_all
from inbox_bot.rules.loader import load_rules
from inbox_bot.triage.pipeline import Pipeline, dry_run
from tests.corpus import all_cases
from tests.corpus.scenarios import Case

RULES = Path(__file__).resolve().parents[2] / "rules"


@dataclass
class Score:
    mails: int = 0
    call: int = 0
    verdict: int = 0
    missing: int = 0
    applicant: int = 0
    documents: int = 0
    kinds: int = 0
    misses: list[str] = field(default_factory=list)
    verdicts: Counter[str] = field(default_factory=Counter)  # every verdict the triage gave, right or wrong

    def figures(self) -> dict[str, float]:
        return {"call": self.call / self.mails, "verdict": self.verdict / self.mails,
                "missing": self.missing / self.mails, "applicant": self.applicant / self.mails,
                "kinds": self.kinds / max(self.documents, 1)}

    def add(self, case: Case, result: TriageResult) -> None:
        self.mails += 1
        self.verdicts[result.verdict.value] += 1
        checks = {"call": result.call == case.call, "verdict": result.verdict.value == case.verdict,
                  "missing": sorted(k for k in result.missing) == case.missing,
                  "applicant": result.sender == case.applicant}
        self.call += checks["call"]
        self.verdict += checks["verdict"]
        self.missing += checks["missing"]
        self.applicant += checks["applicant"]
        got = {d.filename: sorted(set(d.all_kinds())) for d in result.documents}
        for filename, kinds in case.kinds.items():
            self.documents += 1
            if got.get(filename) == kinds:
                self.kinds += 1
            else:
                self.misses.append(f"{case.name}: {filename} is {got.get(filename)}, expected {kinds}")
        wrong = [name for name, ok in checks.items() if not ok]
        if wrong:
            why = "; ".join(render_all(result.reasons, "en"))
            self.misses.append(f"{case.name}: {', '.join(wrong)} -> call {result.call}, {result.verdict.value}, "
                               f"missing {list(result.missing)}, applicant {result.sender} (expected {case.call}, "
                               f"{case.verdict}, {case.missing}, {case.applicant}); {why}")


def score(cases: Sequence[Case]) -> Score:
    pipeline = Pipeline(load_rules(RULES))
    by_source = {case.name: case for case in cases}
    mails = [RawMail(source=case.name, raw=case.raw, sha256=hashlib.sha256(case.raw).hexdigest()) for case in cases]
    result = Score()
    for triaged in dry_run(pipeline, mails):
        result.add(by_source[triaged.raw.source], triaged.result)
    return result


def main() -> None:
    result = score(all_cases())
    for miss in result.misses:
        print(miss)
    print(f"{result.mails} mails, {result.documents} documents:",
          ", ".join(f"{name} {value:.3f}" for name, value in result.figures().items()))


if __name__ == "__main__":
    main()
