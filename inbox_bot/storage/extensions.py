"""Later deadlines for a call or for one applicant of it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store


def deadline_override(store: Store, call: str, applicant: str) -> datetime | None:
    if not store.db.table("extensions").exists():
        return None
    # The latest word for the whole call and the latest for this applicant (a later row corrects an
    # earlier one); the applicant gets the later of the two, so a call-wide extension never shortens theirs.
    latest: dict[bool, datetime] = {}
    for row in store.db.query(
        "select applicant, until from extensions where call = ? and (applicant is null or applicant = ?) order by id",
        [call, applicant],
    ):
        latest[row["applicant"] is None] = datetime.fromisoformat(row["until"])
    return max(latest.values()) if latest else None


def add(store: Store, row: dict[str, Any]) -> None:
    store.db.table("extensions").insert(row)


def of_call(store: Store, call: str) -> list[dict[str, Any]]:
    return [dict(r) for r in store.db.query("select * from extensions where call = ? order by id", [call])]


def ends(store: Store, call: str) -> list[datetime]:
    return [
        datetime.fromisoformat(r["until"])
        for r in store.db.query("select until from extensions where call = ?", [call])
    ]


def remove(store: Store, call: str, applicant: str | None) -> list[dict[str, Any]]:
    """Remove the extensions of a call (applicant None) or of one applicant of it; return them."""
    if not store.db.table("extensions").exists():
        return []
    removed = [r for r in of_call(store, call) if r["applicant"] == applicant]
    for row in removed:
        store.db.table("extensions").delete(row["id"])
    return removed
