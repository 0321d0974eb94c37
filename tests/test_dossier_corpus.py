"""The corpus of issue #12 scored: dossiers as applicants assemble them (combined files, multi-document PDFs,
forwards in each client's style, other business at a shared address), 176 mails built by tests/corpus.

GIVEN the five shipped rules and the corpus, WHEN each mail is triaged in order of receipt (a dry run),
THEN call, verdict, missing set and kinds agree with the labels at least as often as the floors say.
Run `.venv/bin/python -m tests.corpus.score` to see every miss.
"""

from __future__ import annotations

import pytest

from inbox_bot.core.models import Verdict
from tests.corpus import all_cases
from tests.corpus.score import Score, score

# The targets on mail nobody on the team wrote are call 1.00, verdict 0.97, missing set 0.95, kinds 0.97;
# on our own corpus the floors sit just under what it scores today, so a regression fails the suite.
FLOORS = {"call": 1.0, "verdict": 0.97, "missing": 0.95, "kinds": 0.97, "applicant": 0.97}


@pytest.fixture(scope="module")
def scored() -> Score:
    return score(all_cases())


def test_the_corpus_is_large_and_covers_what_the_issue_names() -> None:
    cases = all_cases()
    assert len(cases) >= 150
    tags = {tag for case in cases for tag in case.tags}
    assert {"gmail", "outlook_en", "outlook_fr", "thunderbird", "apple", "attached"} <= tags
    assert {"fr", "ar", "en"} <= tags  # shared-address noise in each language
    combined = [kinds for case in cases for kinds in case.kinds.values() if len(kinds) > 1]
    assert len(combined) >= 60
    assert len({case.name for case in cases}) == len(cases)


def test_the_corpus_scores_at_least_the_floors(scored: Score) -> None:
    figures = scored.figures()
    print(f"\n{scored.mails} mails, {scored.documents} documents: "
          + ", ".join(f"{name} {value:.3f}" for name, value in figures.items()))
    for miss in scored.misses:
        print("  miss:", miss)
    assert {name: figures[name] >= floor for name, floor in FLOORS.items()} == dict.fromkeys(FLOORS, True)


def test_the_triage_never_rejects_only_a_person_does(scored: Score) -> None:
    assert sum(scored.verdicts.values()) == scored.mails
    assert Verdict.REJECTED.value not in scored.verdicts, "rejected is a person's verdict, never the triage's"
    assert {"complete", "incomplete"} <= set(scored.verdicts), "the corpus does give the triage's verdicts"
