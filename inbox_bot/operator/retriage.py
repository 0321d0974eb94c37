"""Judge stored mails again with the current rules and extensions, e.g. after a rule was fixed.

Mails are re-judged in order of receipt, each against the dossier its applicant had built before it (earlier
mails only, as re-judged in this run), so re-triaging a whole call gives what a first triage with today's rules
would have given. A person's override is never changed: it shows as kept. Nothing is sent: a re-triage sends no
reply. On the server a mail follows its new verdict at the next poll (daemon.filing moves it again).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from inbox_bot.core import reasons
from inbox_bot.core.errors import UsageError
from inbox_bot.core.models import Attachment, ClassifiedDocument, ParsedMail, RawMail, Rule, TriageResult, Verdict
from inbox_bot.operator.applications import resolve
from inbox_bot.operator.overrides import Pins, pins
from inbox_bot.operator.replay import MailState, ReplayHistory
from inbox_bot.storage import judgements, mails, parsings, readings
from inbox_bot.storage.parsings import Parsing
from inbox_bot.storage.store import Store
from inbox_bot.triage.decide import missing_kinds
from inbox_bot.triage.pipeline import Read
from inbox_bot.triage.threads import Threads

COMPARED = ("call", "verdict", "missing", "kinds", "sender", "subject", "message_id")
Track = Callable[[Sequence[dict[str, Any]]], Iterable[dict[str, Any]]]


class Judged(Protocol):
    @property
    def result(self) -> TriageResult: ...

    @property
    def attachments(self) -> Sequence[Attachment]: ...

    @property
    def parsed(self) -> ParsedMail | None: ...

    @property
    def reader(self) -> str | None: ...

    @property
    def classified(self) -> list[ClassifiedDocument]: ...

    @property
    def read_by_ocr(self) -> int: ...


class Triager(Protocol):
    """The pipeline, seen from here (inbox_bot.triage.pipeline.Pipeline is one)."""

    @property
    def reader(self) -> str: ...

    def triage(self, raw: RawMail, history: ReplayHistory, threads: Threads | None = None) -> Judged: ...

    def judge(self, read: Read, history: ReplayHistory, threads: Threads | None = None) -> Judged: ...


@dataclass
class Change:
    mail_id: int
    sender: str
    before: dict[str, Any]
    after: dict[str, Any] = field(default_factory=dict)
    kept: dict[str, Any] = field(default_factory=dict)  # field -> what the pipeline said, where a person decided
    skipped: str | None = None

    def changed(self) -> list[str]:
        return [name for name in COMPARED if self.after and self.before.get(name) != self.after.get(name)]

    def summary(self) -> dict[str, Any]:
        return {
            "mail": self.mail_id,
            "sender": self.sender,
            "changed": self.changed(),
            "before": self.before,
            "after": self.after,
            "kept": self.kept,
            "skipped": self.skipped,
        }


def select(store: Store, idents: Sequence[str], call: str | None, everything: bool) -> list[int]:
    """The mails to re-triage, in order of receipt."""
    if sum((bool(idents), call is not None, everything)) != 1:
        raise UsageError("say which mails to re-triage", fix="give IDs, or --call ID, or --all (one of them)")
    if everything:
        return mails.ids_in_order(store)
    if call is not None:
        # The mails no call claimed come along: the fixed rule may claim them now.
        return mails.ids_in_order(store, call=call)
    wanted = sorted({i for ident in idents for i in resolve(store, ident).mail_ids})
    return mails.ids_in_order(store, among=wanted)


def retriage(
    store: Store,
    triager: Triager,
    rules: Mapping[str, Rule],
    mail_ids: Sequence[int],
    *,
    dry_run: bool,
    track: Track = lambda rows: rows,
) -> list[Change]:
    history = ReplayHistory(store)
    rows = [row for i in mail_ids if (row := mails.mail(store, i)) is not None]
    changes = []
    for row in track(rows):
        change, judged = _rejudge(store, triager, rules, history, row)
        changes.append(change)
        if judged is None:
            continue
        history.update(_state(row, judged.result))
        if dry_run:
            continue
        if change.changed() or _reasons_changed(row, judged.result):
            _write(store, int(row["id"]), judged.result, judged.attachments, change)
        if judged.fresh is not None:  # read now (first re-triage since it was recorded): kept for the next
            with store.transaction() as tx:
                tx.keep_parsing(int(row["id"]), *judged.fresh)
    return changes


@dataclass
class Rejudged:
    result: TriageResult
    attachments: Sequence[Attachment]
    fresh: tuple[str, Parsing] | None  # what was read now, to keep, under its reader


def _reasons_changed(row: dict[str, Any], result: TriageResult) -> bool:
    """Reasons alone changed (a rule's wording, or a row written before reasons were data): rewrite them too."""
    return reasons.dump_all(result.reasons) != reasons.dump_all(reasons.load_all(row["reasons"]))


def _rejudge(
    store: Store, triager: Triager, rules: Mapping[str, Rule], history: ReplayHistory, row: dict[str, Any]
) -> tuple[Change, Rejudged | None]:
    mail_id = int(row["id"])
    change = Change(mail_id, row["sender"], _before(store, row))
    if any(r.code is reasons.ReasonCode.OPERATOR_COMMAND for r in reasons.load_all(row["reasons"])):
        change.skipped = "a coordinator's command mail (a reply to the digest): never an application"
        return change, None
    kept = parsings.read_before(store, mail_id, triager.reader)
    # Judged again from what was read when it was recorded, the raw copy is not read (a twentieth of a
    # re-triage went to reading and hashing it); it must still be there.
    raw = stored_raw(store, row, read=kept is None)
    if isinstance(raw, str):
        change.skipped = raw
        return change, None
    history.at(mail_id)
    # an answer to our notice keeps its thread's call (threads=store)
    if kept is not None:  # nothing parsed or read again
        read = Read(
            raw, parsed=kept.parsed, attachments=kept.attachments, classified=kept.classified,
            content=store.file_bytes,
        )
        judged = triager.judge(read, history, threads=store)
    else:
        judged = triager.triage(raw, history, threads=store)
    fresh = None
    # kept again when OCR read a scan the kept reading lacked (the rules or the dossier want it now): the next
    # re-triage finds its text there and reads nothing
    renewed = kept is None or judged.read_by_ocr > 0
    if renewed and judged.reader is not None and judged.parsed is not None:
        fresh = (judged.reader, Parsing(judged.parsed, list(judged.attachments), judged.classified))
    result, change.kept = apply_pins(judged.result, pins(store, mail_id), row, rules, history)
    change.after = _view(result)
    return change, Rejudged(result, judged.attachments, fresh)


def stored_raw(store: Store, row: dict[str, Any], *, read: bool = True) -> RawMail | str:
    """The mail as first received, or why it cannot be had. The receipt time comes back with it: a server's
    INTERNALDATE or a file's mtime is not in the bytes, and re-reading without it would move the mail in time.
    Without `read`, its bytes are left on disk (checked there, not read): the RawMail carries none."""
    if not read:
        if not store.has_file(row["raw_path"]):
            return "the raw mail is no longer stored"
        data = b""
    else:
        try:
            data = store.read_file(row["raw_path"])
        except OSError:
            return "the raw mail is no longer stored"
        if hashlib.sha256(data).hexdigest() != row["sha256"]:
            return "the stored raw mail is damaged (its hash differs)"
    received = datetime.fromisoformat(row["received_at"])
    return RawMail(
        source=row["source"],
        raw=data,
        sha256=row["sha256"],
        server_received_at=received if row["received_source"] == "server" else None,
        file_mtime=received if row["received_source"] == "file" else None,
    )


def apply_pins(
    result: TriageResult, pinned: Pins, row: dict[str, Any], rules: Mapping[str, Rule], history: ReplayHistory
) -> tuple[TriageResult, dict[str, Any]]:
    """The pipeline's result with a person's decisions put back; returns what the pipeline said instead."""
    if pinned.verdict is None and not pinned.kinds:
        return result, {}
    kept: dict[str, Any] = {}
    documents = [d.model_copy(update={"kind": pinned.kinds.get(d.sha256, d.kind)}) for d in result.documents]
    kept.update(
        {
            f"kind {old.filename}": old.kind.value
            for old, new in zip(result.documents, documents, strict=True)
            if old.kind != new.kind
        }
    )
    call = result.call
    if pinned.verdict is not None and row["call"] != result.call:  # the verdict was given for that call
        kept["call"], call = result.call, row["call"]
    rule = rules.get(call) if call else None
    missing = result.missing
    if pinned.kinds and rule is not None:
        missing = missing_kinds(rule, history.dossier(rule.id, result.sender), documents)
    verdict = result.verdict
    if pinned.verdict is not None:
        if pinned.verdict != result.verdict:
            kept["verdict"] = result.verdict.value
        verdict = pinned.verdict
        missing = [] if verdict is Verdict.COMPLETE else missing
    elif verdict in (Verdict.COMPLETE, Verdict.INCOMPLETE):  # decide's own last step, with the person's kinds
        verdict = Verdict.INCOMPLETE if missing else Verdict.COMPLETE
    update = {"documents": documents, "call": call, "missing": missing, "verdict": verdict}
    return result.model_copy(update=update), kept


def _before(store: Store, row: dict[str, Any]) -> dict[str, Any]:
    kinds = sorted(f"{d['filename']}: {d['kind']}" for d in mails.documents(store, int(row["id"])))
    return {
        "call": row["call"],
        "verdict": row["verdict"],
        "missing": list(row["missing"] or []),
        "kinds": kinds,
        "sender": row["sender"],
        "subject": row["subject"],
        "message_id": row["message_id"],
    }


def _view(result: TriageResult) -> dict[str, Any]:
    return {
        "call": result.call,
        "verdict": result.verdict.value,
        "missing": [str(k) for k in result.missing],
        "kinds": sorted(f"{d.filename}: {d.kind.value}" for d in result.documents),
        "sender": result.sender,
        "subject": result.subject,
        "message_id": result.message_id,
    }


def _state(row: dict[str, Any], result: TriageResult) -> MailState:
    documents = [(d.kind, d.sha256, d.problem is None) for d in result.documents]
    return MailState(
        int(row["id"]),
        result.call,
        result.sender,
        result.verdict.value,
        result.message_id,
        (row["received_at"], int(row["id"])),
        documents,
    )


def _write(store: Store, mail_id: int, result: TriageResult, attachments: Sequence[Attachment], change: Change) -> None:
    # Files first, under their hash, as Store.record does: a crash leaves at worst an unused file.
    # a file judged from what was kept (storage.parsings) comes without its bytes: it is stored already
    stored = {
        a.sha256: store.put_file("files", a.sha256, a.content)
        if a.content or not a.size
        else store.path_of("files", a.sha256)
        for a in attachments
    }
    safe_names = {a.sha256: a.safe_name for a in attachments}
    with store.transaction() as tx:
        judgements.update_mail(store, mail_id, result)
        judgements.update_documents(store, mail_id, result, stored, safe_names, attachments)
        readings.keep(store, attachments)
        if change.changed():
            tx.add_event(mail_id, "retriage", change.summary())
