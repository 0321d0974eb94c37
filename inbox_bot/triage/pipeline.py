"""One mail through the stages: parse -> read attachments -> classify -> match -> decide.

A mail is untrusted input: whatever goes wrong inside, the pipeline answers with a verdict and a reason
(`needs_review`), never an exception, so one bad mail costs one mail.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, runtime_checkable

from inbox_bot.core.limits import DEFAULT_LIMITS, Limits
from inbox_bot.core.models import (
    DOSSIER_VERDICTS,
    Attachment,
    ClassifiedDocument,
    DossierSoFar,
    MatchResult,
    ParsedMail,
    RawMail,
    ReceivedSource,
    Rule,
    TriageResult,
    Verdict,
)
from inbox_bot.core.reasons import Reason, ReasonCode, reason
from inbox_bot.triage import classify as classify_module
from inbox_bot.triage import ocr_wanted as ocr_wanted_module
from inbox_bot.triage import pages as pages_module
from inbox_bot.triage.attachments import Known, MailFiles, waits_for_ocr
from inbox_bot.triage.classify import classify
from inbox_bot.triage.decide import decide
from inbox_bot.triage.extract import EXTRACTOR, Extracted
from inbox_bot.triage.forwards import applicant, forward_reason
from inbox_bot.triage.match import match
from inbox_bot.triage.mimescan import scan_mail
from inbox_bot.triage.ocr_wanted import ocr_wanted
from inbox_bot.triage.own_kinds import with_own_kinds
from inbox_bot.triage.parse import headers_only, parse, peek_received_at
from inbox_bot.triage.rawview import opened, release
from inbox_bot.triage.sandbox import Keep
from inbox_bot.triage.threads import Threads, follow_thread

log = logging.getLogger(__name__)

# What `Pipeline.read` gives, with what OCR read at the judge step, and the kinds `classify` found, are kept
# with each mail recorded (storage.parsings); a re-triage judges from them without parsing, classifying or
# reading by OCR again. Bump READER when parse, mimescan or attachments change what they give for a mail (read-2:
# images go to OCR only when the dossier wants them, HEIC photos). The extractor's version, the limits, the
# classifier's code and the code that chooses which scans OCR reads (below) are part of the key already.
READER = "read-2"


def _code_digest(*modules: ModuleType) -> str:
    """The classifier's version is its code: kinds kept under another can never be served after a change."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:16]


CLASSIFIER = _code_digest(classify_module, pages_module)
# A reading kept under another choice of scans could lack an OCR text a triage now reads, or hold one it skips
OCR_CHOICE = _code_digest(ocr_wanted_module)


# The bytes of a stored file by its SHA-256; None when they are no longer there
Content = Callable[[str], bytes | None]


class History(Protocol):
    """What is already known of an applicant's dossier for a call."""

    def dossier(self, call: str, applicant: str, message_id: str | None = None) -> DossierSoFar: ...


@runtime_checkable
class Readings(Protocol):
    """A history that also remembers what OCR read of a file, so no file is read by OCR twice."""

    def read_before(self, sha256: str) -> Extracted | None: ...


@dataclass
class Read:
    """A mail as `Pipeline.read` left it: parsed with its files read, refused by a limit, or failed."""

    raw: RawMail
    parsed: ParsedMail | None = None
    attachments: list[Attachment] = field(default_factory=list)
    refusal: str | None = None
    failure: Reason | None = None
    classified: list[ClassifiedDocument] | None = None  # the files' kinds, when kept from an earlier reading
    # what read the files, with what is left of the mail's time budget: OCR, at the judge step, goes on with it
    files: MailFiles | None = field(default=None, repr=False)
    # the bytes of a file by its SHA-256, for a mail judged from what was kept of it (its files come without
    # their bytes): OCR may want a scan nobody read by OCR before (the dossier, or the rules, changed)
    content: Content | None = None

    def complete(self) -> bool:
        """Read to the end, so worth keeping: no file cut by a time limit, a spent budget or a lost worker."""
        return self.parsed is not None and all(
            a.reading is not None
            or (a.ocr is None and (a.problem is None or a.problem.code is not ReasonCode.TEXT_NOT_READ))
            for a in self.attachments
        )


@dataclass
class Triaged:
    raw: RawMail
    result: TriageResult
    attachments: list[Attachment]
    parsed: ParsedMail | None
    reader: str | None = None  # the key to keep what was read under (Pipeline.reader); None: not to keep
    classified: list[ClassifiedDocument] = field(default_factory=list)  # classify's kinds, before the rule's own
    read_by_ocr: int = 0  # files read by OCR at the judge step (what was kept of the mail lacked their text)


@dataclass(frozen=True)
class _Weighed:
    """What a mail's files say once classified, its call and the dossier so far: what decide() weighs."""

    documents: list[ClassifiedDocument]
    matched: MatchResult
    rule: Rule | None
    so_far: DossierSoFar
    sender: str
    sender_name: str
    forwarded_by: str


@dataclass
class MemoryHistory:
    """The history of a dry run: what earlier mails of the same run brought."""

    kinds: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    hashes: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    message_ids: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    readings: dict[str, Extracted] = field(default_factory=dict)

    def dossier(self, call: str, applicant: str, message_id: str | None = None) -> DossierSoFar:
        key = (call, applicant)
        return DossierSoFar(
            kinds=frozenset(self.kinds[key]),
            document_hashes=frozenset(self.hashes[key]),
            message_ids=frozenset(self.message_ids[call]),
        )

    def read_before(self, sha256: str) -> Extracted | None:
        return self.readings.get(sha256)

    def keep_readings(self, attachments: Iterable[Attachment]) -> None:
        for a in attachments:
            if a.reading is not None:
                self.readings[a.sha256] = Extracted(text=a.text, pages=a.pages, ocr=a.ocr)

    def remember(self, result: TriageResult) -> None:
        if result.call is None:
            return
        key = (result.call, result.sender)
        self.message_ids[result.call].add(result.message_id)
        self.hashes[key].update(d.sha256 for d in result.documents)
        if result.verdict in DOSSIER_VERDICTS:
            self.kinds[key].update(kind for d in result.documents if d.problem is None for kind in d.all_kinds())


class Pipeline:
    def __init__(self, rules: Mapping[str, Rule], limits: Limits = DEFAULT_LIMITS) -> None:
        self.rules = dict(rules)
        self.limits = limits
        # what was read depends on the code's versions and on the limits it was read under
        # (neither how many workers read, nor whether the mail was read from memory or from its spool file)
        unread: dict[str, Any] = {"extraction": {"workers"}, "spool_from_mb": True}
        digest = hashlib.sha256(limits.model_dump_json(exclude=unread).encode()).hexdigest()
        self.reader = f"{READER}+{EXTRACTOR}+{digest[:16]}+{CLASSIFIER}+{OCR_CHOICE}"

    def triage(self, raw: RawMail, history: History, threads: Threads | None = None) -> Triaged:
        """`threads` finds the call of the conversation a mail answers, when the mail itself names none."""
        known = history.read_before if isinstance(history, Readings) else None
        return self.judge(self.read(raw, known), history, threads)

    def read(self, raw: RawMail, known: Known | None = None, keep: Keep | None = None) -> Read:
        """What a mail holds, read: the part of a triage that needs no other mail, so mails can be read ahead
        (in threads, over the pool of sandbox workers) while earlier ones are judged and recorded. Never raises.
        `keep` stores a large file where its mail's files go, for a worker to read it there."""
        try:
            # Size first, then depth, part count and header size, on the raw bytes: over a limit, no parser runs
            with opened(raw) as data:  # a spooled mail is mapped, never read whole (triage.rawview)
                scan = scan_mail(data, self.limits)
                release(data, 0, len(data))
                if scan.refusal is not None:
                    return Read(raw, refusal=scan.refusal)
                parsed = parse(raw, scan, data)
            files = MailFiles(self.limits.archives, self.limits.extraction, known, keep)
            attachments = files.read([(p.filename, p.content) for p in parsed.parts])
            return Read(raw, parsed=parsed, attachments=attachments, files=files)
        except Exception as exc:  # one bad mail costs one mail: record it for a person to look at
            log.exception("%s: triage failed", raw.source)
            return Read(raw, failure=reason(ReasonCode.TRIAGE_FAILED, error=f"{type(exc).__name__}: {exc}"))

    def judge(self, read: Read, history: History, threads: Threads | None = None) -> Triaged:
        """The verdict on a mail read: what depends on the mails before it (its dossier), so mails are judged
        one at a time, in order of receipt. Never raises."""
        raw = read.raw
        if read.failure is not None:
            return self._failed(raw, read.failure)
        try:
            if read.parsed is None:
                return self.refused(raw, read.refusal or "")
            return self._judge(read, read.parsed, history, threads)
        except Exception as exc:  # one bad mail costs one mail: record it for a person to look at
            log.exception("%s: triage failed", raw.source)
            return self._failed(raw, reason(ReasonCode.TRIAGE_FAILED, error=f"{type(exc).__name__}: {exc}"))

    def _judge(self, read: Read, parsed: ParsedMail, history: History, threads: Threads | None) -> Triaged:
        raw, attachments, classified = read.raw, read.attachments, read.classified
        if classified is None or len(classified) != len(attachments):
            classified = [classify(a) for a in attachments]
        weighed = self._weigh(parsed, attachments, classified, history, threads)
        # Named files and text layers first, the call matched and the dossier looked up; then OCR reads only the
        # scans still uncertain or needed (ocr_wanted), and the mail is weighed again with what it read: the text
        # of a scan may name the call or fill a gap. This needs the dossier, so it runs here, at the mail's turn
        # (in UID order), not in `read`; the files go to the same pool of sandboxed workers, within what is left
        # of the mail's time budget. Each file is read by OCR once at most; a machine-sent mail's images (an
        # auto-reply's logo, a newsletter's banners) never: such a mail is ignored whatever they say.
        files, tried = read.files or self._files(history), set[int]()
        waits = _never if parsed.auto_signals else waits_for_ocr
        while wanted := ocr_wanted(attachments, weighed.documents, weighed.rule, weighed.so_far, waits) - tried:
            attachments = files.read_by_ocr(_with_bytes(attachments, wanted, read.content), wanted)
            tried |= wanted
            classified = [
                classify(a) if i in wanted else kinds
                for i, (a, kinds) in enumerate(zip(attachments, classified, strict=True))
            ]
            weighed = self._weigh(parsed, attachments, classified, history, threads)
        documents, matched, rule, so_far = weighed.documents, weighed.matched, weighed.rule, weighed.so_far
        sender, sender_name, forwarded_by = weighed.sender, weighed.sender_name, weighed.forwarded_by
        decision = decide(parsed, matched, documents, rule, so_far)
        forwarded = forward_reason(parsed, forwarded_by)
        result = TriageResult(
            file=raw.source,
            message_id=parsed.message_id,
            sender=sender,
            sender_name=sender_name,
            forwarded_by=forwarded_by,
            subject=parsed.subject,
            call=matched.call,
            verdict=decision.verdict,
            missing=decision.missing,
            documents=documents,
            received_at=parsed.received_at,
            received_source=parsed.received_source,
            reasons=[*decision.reasons, forwarded] if forwarded else decision.reasons,
        )
        complete = replace(read, attachments=attachments).complete()
        return Triaged(
            raw=raw,
            result=result,
            attachments=attachments,
            parsed=parsed,
            reader=self.reader if complete else None,
            classified=classified,
            read_by_ocr=len(tried),
        )

    def _files(self, history: History) -> MailFiles:
        """For a mail judged from what was kept of it (re-triage): its files' readers, as `read` makes them."""
        known = history.read_before if isinstance(history, Readings) else None
        return MailFiles(self.limits.archives, self.limits.extraction, known)

    def _weigh(
        self,
        parsed: ParsedMail,
        attachments: list[Attachment],
        classified: list[ClassifiedDocument],
        history: History,
        threads: Threads | None,
    ) -> _Weighed:
        documents = classified
        matched = (
            MatchResult(call=None, reasons=[])  # machine-sent mail answers no call, whatever it quotes
            if parsed.auto_signals
            else match(parsed, documents, [a.text for a in attachments], self.rules.values())
        )
        matched = follow_thread(matched, parsed, threads, self.rules)
        rule = self.rules.get(matched.call) if matched.call else None
        documents = with_own_kinds(documents, attachments, rule)
        sender, sender_name, forwarded_by = applicant(parsed, rule)
        so_far = history.dossier(rule.id, sender, parsed.message_id) if rule else DossierSoFar()
        return _Weighed(documents, matched, rule, so_far, sender, sender_name, forwarded_by)

    def unreadable(self, raw: RawMail, detail: str) -> Triaged:
        """A mail we will not parse (too large, not delivered whole): recorded for a person, with the reason."""
        return self._failed(raw, reason(ReasonCode.MAIL_NOT_READ, detail=detail))

    def refused(self, raw: RawMail, detail: str) -> Triaged:
        """A mail over a limit, not parsed: needs_review with the reason and what its headers say."""
        why = reason(ReasonCode.MAIL_REFUSED, detail=detail)
        head = headers_only(raw, why)
        return self._for_review(raw, head.received_at, head.received_source, why, head)

    def quarantined(self, raw: RawMail, detail: str) -> Triaged:
        """needs_review without reading a byte of the mail: it failed before and may bring the process down."""
        why = reason(ReasonCode.MAIL_NOT_READ, detail=detail)
        if raw.server_received_at is not None:
            return self._for_review(raw, raw.server_received_at.astimezone(UTC), ReceivedSource.SERVER, why)
        return self._for_review(raw, raw.file_mtime or datetime(1970, 1, 1, tzinfo=UTC), ReceivedSource.FILE, why)

    def _for_review(
        self, raw: RawMail, at: datetime, source: ReceivedSource, why: Reason, head: ParsedMail | None = None
    ) -> Triaged:
        result = TriageResult(
            file=raw.source,
            message_id=head.message_id if head else f"<sha256-{raw.sha256}@inbox-bot.invalid>",
            sender=head.sender if head else "",
            sender_name=head.sender_name if head else "",
            subject=head.subject if head else "",
            call=None,
            verdict=Verdict.NEEDS_REVIEW,
            missing=[],
            documents=[],
            received_at=at,
            received_source=source,
            reasons=[why],
        )
        return Triaged(raw=raw, result=result, attachments=[], parsed=None)

    def _failed(self, raw: RawMail, why: Reason) -> Triaged:
        received_at, source = peek_received_at(raw)
        return self._for_review(raw, received_at, source, why)


def _never(_: Attachment) -> bool:
    return False


def _with_bytes(attachments: list[Attachment], which: set[int], content: Content | None) -> list[Attachment]:
    """The files at `which` with their bytes, fetched where they were kept without them (re-triage). A file
    whose bytes are gone is marked so, and stays as it was read."""
    found = list(attachments)
    for index in which:
        attachment = found[index]
        if attachment.content or not attachment.size:
            continue
        data = content(attachment.sha256) if content is not None else None
        update = {"content": data} if data is not None else {"ocr": "not read by OCR: the file is no longer stored"}
        found[index] = attachment.model_copy(update=update)
    return found


def in_order_of_receipt(mails: Iterable[RawMail]) -> list[RawMail]:
    """Dossiers build up mail by mail, so mails are judged in the order our side received them."""
    return sorted(mails, key=lambda raw: (peek_received_at(raw)[0], raw.source))


def dry_run(pipeline: Pipeline, mails: Iterable[RawMail]) -> Iterable[Triaged]:
    history = MemoryHistory()
    seen: set[str] = set()
    for raw in in_order_of_receipt(mails):
        if raw.sha256 in seen:  # the same file given twice is one mail
            continue
        seen.add(raw.sha256)
        triaged = pipeline.triage(raw, history)
        history.remember(triaged.result)
        history.keep_readings(triaged.attachments)
        yield triaged
