"""The operator's queries read through indexes, never a whole big table (issue #16), and the tallies that
`status` and the digest read agree with the rows, whatever wrote or removed them.

No timing here: the plans are what holds at any size (no ANALYZE is run, so a plan does not depend on the
rows); docs/benchmarks.md shows the times at 10,000 and 100,000 mails.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks import scale
from inbox_bot.config.settings import Settings
from inbox_bot.core.models import Rule, TriageResult, Verdict
from inbox_bot.storage import counts, judgements, overrides, plans, purging
from inbox_bot.storage.store import Store
from tests import opkit

Generated = tuple[Store, Settings, dict[str, Rule]]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    """A store of three calls (the two open ones and one archived) and some unmatched mail."""
    found = scale.open_generated(tmp_path_factory.mktemp("scale"), 3 * scale.CALL_SIZE, seed=7)
    yield found
    found[0].close()


@pytest.mark.parametrize("name", scale.BOUNDED)
def test_each_operator_query_reads_through_an_index(generated: Generated, name: str) -> None:
    store, settings, rules = generated
    with plans.statements(store) as ran:
        scale.QUERIES[name](store, settings, rules)
    reads = plans.reads(ran)
    assert len(reads) >= 2  # the trace saw the command's queries
    scans = {sql: plans.full_scans(store, sql) for sql in reads}
    assert {sql: found for sql, found in scans.items() if found} == {}


def test_listing_every_call_is_a_scan_and_the_check_sees_it(generated: Generated) -> None:
    store, settings, rules = generated
    with plans.statements(store) as ran:
        scale.QUERIES["applications --all"](store, settings, rules)
    assert any(plans.full_scans(store, sql) for sql in plans.reads(ran))
    assert plans.full_scans(store, "select d.kind from documents d where d.size > 3") == ["SCAN d"]
    assert plans.shape("select * from t where a = 'x''y' and b = 12") == "select * from t where a = ? and b = ?"


def _counted(store: Store) -> list[dict[str, object]]:
    """What the tallies stand for, counted from every row (as `status` did before them)."""
    rows = store.db.query(
        "select coalesce(call, '-') as call, verdict, count(*) as n from mails group by 1, 2 order by 1, 2"
    )
    return [dict(r) for r in rows]


def test_the_tallies_follow_recording_retriage_overrides_and_purge(store: Store) -> None:
    first = opkit.record(store, "karim@example.ma", verdict=Verdict.INCOMPLETE)
    second = opkit.record(store, "salma@example.ma", verdict=Verdict.COMPLETE)
    opkit.record(store, "nobody@example.ma", call=None, verdict=Verdict.UNMATCHED)
    opkit.record(store, "hind@example.ma", call="omp-cabinet-2026", verdict=Verdict.COMPLETE)
    assert counts.per_call_and_verdict(store) == _counted(store)
    again = TriageResult.model_validate({**_result_of(store, first), "verdict": "late", "call": "omp-cabinet-2026"})
    judgements.update_mail(store, first, again)
    overrides.set_verdict(store, second, Verdict.NEEDS_REVIEW, [])
    assert counts.per_call_and_verdict(store) == _counted(store)
    assert {"call": "omp-cabinet-2026", "verdict": "late", "n": 1} in _counted(store)
    with store.transaction():
        purging.delete_rows(store, "omp-cabinet-2026", [first])
    assert counts.per_call_and_verdict(store) == _counted(store)
    assert counts.verdicts_of_call(store, "omp-cabinet-2026") == {"complete": 1}
    by_verdict = store.db.query("select verdict, count(*) as n from mails group by 1 order by 1")
    assert [(v, "", n) for v, n in (r.values() for r in by_verdict)] == counts.tallied(store, "verdicts")


def test_status_counts_the_calls_in_force_one_by_one_and_the_others_by_verdict(store: Store) -> None:
    opkit.record(store, "karim@example.ma", verdict=Verdict.INCOMPLETE)
    opkit.record(store, "salma@example.ma", verdict=Verdict.COMPLETE)
    opkit.record(store, "nobody@example.ma", call=None, verdict=Verdict.UNMATCHED)
    opkit.record(store, "hind@example.ma", call="omp-cabinet-2026", verdict=Verdict.COMPLETE)
    opkit.record(store, "omar@example.ma", call="archive-2019", verdict=Verdict.LATE)
    opkit.record(store, "leila@example.ma", call="archive-2020", verdict=Verdict.LATE)
    shown = counts.per_call_and_verdict(store, ["omp-cabinet-2026"])
    assert [(r["call"], r["verdict"], r["n"]) for r in shown] == [
        ("-", "unmatched", 1), ("omp-cabinet-2026", "complete", 1),
        (counts.OTHER_CALLS, "complete", 1), (counts.OTHER_CALLS, "incomplete", 1), (counts.OTHER_CALLS, "late", 2),
    ]  # fmt: skip
    assert sum(r["n"] for r in shown) == sum(r["n"] for r in counts.per_call_and_verdict(store)) == 6


def _result_of(store: Store, mail_id: int) -> dict[str, object]:
    row = store.mails()[[m["id"] for m in store.mails()].index(mail_id)]
    return {"file": row["file"], "message_id": row["message_id"], "sender": row["sender"],
            "sender_name": row["sender_name"], "subject": row["subject"], "call": row["call"],
            "verdict": row["verdict"], "missing": [], "documents": [], "received_at": row["received_at"],
            "received_source": row["received_source"], "reasons": []}  # fmt: skip
