"""Reading mails, their documents and events; what a dossier holds so far. Rows come back JSON-decoded."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from inbox_bot.core.models import DOSSIER_VERDICTS, ClassifiedDocument, DossierSoFar
from inbox_bot.storage.extensions import deadline_override
from inbox_bot.storage.rows import decoded

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store

_DOSSIER = tuple(sorted(v.value for v in DOSSIER_VERDICTS))
_IN_DOSSIER = f"m.verdict in ({', '.join('?' for _ in _DOSSIER)})"


@dataclass(frozen=True)
class MailBrief:
    id: int
    call: str | None
    sender: str


@dataclass(frozen=True)
class EarlierFile:
    """A file an applicant already sent for a call, in a mail that counts toward the dossier."""

    filename: str
    size: int
    sha256: str
    inside: str | None
    received_at: datetime


def mail_id_by_hash(store: Store, sha256: str) -> int | None:
    row = store.db.execute("select id from mails where sha256 = ?", [sha256]).fetchone()
    return int(row[0]) if row else None


def mail(store: Store, mail_id: int) -> dict[str, Any] | None:
    rows = list(store.db.query("select * from mails where id = ?", [mail_id]))
    return decoded(rows[0]) if rows else None


def brief(store: Store, mail_id: int) -> MailBrief | None:
    rows = list(store.db.query("select id, call, sender from mails where id = ?", [mail_id]))
    return MailBrief(int(rows[0]["id"]), rows[0]["call"], rows[0]["sender"]) if rows else None


def mails(
    store: Store,
    *,
    call: str | None = None,
    verdict: str | None = None,
    since: datetime | None = None,
    calls: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    """Mails in order of receipt: of one call, or of some calls (`calls`), or all of them."""
    where, params = ["1 = 1"], []
    if call is not None:
        where.append("call = ?")
        params.append(call)
    if calls is not None:
        where.append(f"call in ({', '.join('?' for _ in calls)})")
        params.extend(calls)
    if verdict is not None:
        where.append("verdict = ?")
        params.append(verdict)
    if since is not None:
        where.append("received_at >= ?")
        params.append(since.astimezone(UTC).isoformat())
    sql = f"select * from mails where {' and '.join(where)} order by received_at, id"  # noqa: S608
    return [decoded(row) for row in store.db.query(sql, params)]


def application_mail_ids(store: Store, call: str, sender: str) -> list[int]:
    rows = store.db.query("select id from mails where call = ? and sender = ? order by received_at, id", [call, sender])
    return [int(r["id"]) for r in rows]


def ids_in_order(store: Store, *, call: str | None = None, among: Sequence[int] | None = None) -> list[int]:
    """Mail ids in order of receipt: all, those of a call and those of no call, or those among some ids."""
    if among is not None:
        marks = ",".join("?" * len(among))
        sql = f"select id from mails where id in ({marks}) order by received_at, id"  # noqa: S608
        rows = store.db.query(sql, list(among))
    elif call is not None:
        rows = store.db.query("select id from mails where call = ? or call is null order by received_at, id", [call])
    else:
        rows = store.db.query("select id from mails order by received_at, id")
    return [int(r["id"]) for r in rows]


def documents(store: Store, mail_id: int) -> list[dict[str, Any]]:
    return [decoded(r) for r in store.db.query("select * from documents where mail_id = ? order by id", [mail_id])]


def events(store: Store, mail_id: int) -> list[dict[str, Any]]:
    return [decoded(r) for r in store.db.query("select * from events where mail_id = ? order by id", [mail_id])]


def call_events(store: Store, call: str, applicant: str | None) -> list[dict[str, Any]]:
    """Events that belong to no mail but to this call (extensions), for everyone or for this applicant."""
    rows = store.db.query(
        "select * from events where mail_id is null and json_extract(detail, '$.call') = ? "
        "and (json_extract(detail, '$.applicant') is null or json_extract(detail, '$.applicant') = ?) order by id",
        [call, applicant or ""],
    )
    return [decoded(r) for r in rows]


def dossier(store: Store, call: str, applicant: str, message_id: str | None = None) -> DossierSoFar:
    """What is recorded for this applicant and call. With `message_id`, `message_ids` holds it alone when the
    call already has a mail of that Message-ID: one indexed look-up instead of every id of the call."""
    kinds = store.db.query(
        "select distinct d.kind, d.kinds from documents d join mails m on m.id = d.mail_id "  # noqa: S608
        f"where m.call = ? and m.sender = ? and d.problem is null and {_IN_DOSSIER}",
        [call, applicant, *_DOSSIER],
    )
    hashes = store.db.query(
        "select distinct d.sha256 from documents d join mails m on m.id = d.mail_id where m.call = ? and m.sender = ?",
        [call, applicant],
    )
    ids: list[sqlite3.Row] | list[Any]
    if message_id is not None:
        ids = store.db.execute(
            "select message_id from mails where message_id = ? and call = ? limit 1", [message_id, call]
        ).fetchall()
    else:
        ids = store.db.execute("select message_id from mails where call = ?", [call]).fetchall()
    count = store.db.query("select count(*) as n from mails where call = ? and sender = ?", [call, applicant])
    return DossierSoFar(
        kinds=frozenset(kind for r in kinds for kind in all_kinds(r)),
        document_hashes=frozenset(r["sha256"] for r in hashes),
        message_ids=frozenset(row[0] for row in ids),
        mails=int(next(iter(count))["n"]),
        deadline_override=deadline_override(store, call, applicant),
    )


def earlier_files(store: Store, call: str, applicant: str) -> list[EarlierFile]:
    rows = store.db.query(
        "select d.filename, d.size, d.sha256, d.inside, m.received_at from documents d join mails m "  # noqa: S608
        f"on m.id = d.mail_id where m.call = ? and m.sender = ? and {_IN_DOSSIER} order by m.id, d.id",
        [call, applicant, *_DOSSIER],
    )
    return [
        EarlierFile(r["filename"], int(r["size"] or 0), r["sha256"], r["inside"],
                    datetime.fromisoformat(r["received_at"]))
        for r in rows
    ]  # fmt: skip


def call_of_thread(store: Store, message_ids: Sequence[str]) -> str | None:
    ids = list(message_ids[-500:])  # SQLite's limit on bound parameters; the newest ids are at the end
    marks = ", ".join("?" for _ in ids)
    rows = store.db.query(
        f"select call from mails where message_id in ({marks}) and call is not null "  # noqa: S608 (placeholders)
        f"union select call from outbox where message_id in ({marks}) and call is not null",
        [*ids, *ids],
    )
    calls = {str(r["call"]) for r in rows}
    return calls.pop() if len(calls) == 1 else None


def late_count(store: Store, call: str, sender: str | None) -> int:
    rows = store.db.query(
        "select count(*) as n from mails where call = ? and verdict = 'late' and (? is null or sender = ?)",
        [call, sender, sender],
    )
    return int(next(iter(rows))["n"])


def replay_rows(store: Store) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every mail's (id, call, sender, verdict, message_id, received_at), and every document's kind and hash."""
    mails_ = list(store.db.query("select id, call, sender, verdict, message_id, received_at from mails"))
    documents_ = list(store.db.query("select mail_id, kind, sha256, problem from documents order by id"))
    return mails_, documents_


def all_kinds(row: dict[str, Any]) -> list[str]:
    """Every kind a stored document holds: its main kind and, for a combined file, the others."""
    found = row.get("kinds") or []
    if isinstance(found, str):
        found = json.loads(found)
    return [row["kind"], *(str(item["kind"]) for item in found if isinstance(item, dict) and "kind" in item)]


def each_kind(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per kind a stored document holds: a combined file brings each of its kinds to the dossier."""
    return [{**row, "kind": kind} for row in rows for kind in dict.fromkeys(all_kinds(row))]


def kinds_json(document: ClassifiedDocument) -> str | None:
    return json.dumps([k.model_dump() for k in document.kinds], ensure_ascii=False) if document.kinds else None
