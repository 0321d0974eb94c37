"""The vocabulary every pipeline stage shares: plain, typed values, no I/O."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from inbox_bot.core.dates import parse_local
from inbox_bot.core.reasons import Reason
from inbox_bot.core.states import Verdict as Verdict  # where it was always imported from
from inbox_bot.core.timezones import zone

# Mails whose documents count towards an applicant's dossier: on time, and ours to judge. A person's rejection
# puts the application out of the selection, it does not unsend its files: a later mail's dossier still has them.
DOSSIER_VERDICTS = frozenset({Verdict.COMPLETE, Verdict.INCOMPLETE, Verdict.NEEDS_REVIEW, Verdict.REJECTED})


class DocumentKind(StrEnum):
    CV = "cv"
    COVER_LETTER = "cover_letter"
    REFERENCES = "references"
    METHODOLOGY_NOTE = "methodology_note"
    FINANCIAL_OFFER = "financial_offer"
    ADMINISTRATIVE_FILE = "administrative_file"
    TAX_CERTIFICATE = "tax_certificate"
    CODE_OF_CONDUCT = "code_of_conduct"
    SIGNED_TERMS = "signed_terms"
    IDENTITY_DOCUMENT = "identity_document"  # national ID card (CIN), passport
    OTHER = "other"


# Kinds any job seeker sends anywhere: on their own they do not tie a mail to one call.
GENERIC_KINDS = frozenset({DocumentKind.CV, DocumentKind.COVER_LETTER, DocumentKind.OTHER})


class LatePolicy(StrEnum):
    REJECT = "reject"
    HOLD = "hold"
    ACCEPT = "accept"


class ReceivedSource(StrEnum):
    """Where `received_at` came from, most trusted first."""

    SERVER = "server"  # the IMAP INTERNALDATE, set by our own server
    RECEIVED_HEADER = "received_header"  # the topmost Received: header, added by our side
    FILE = "file"  # the file's modification time (a saved mail with no usable header)
    DATE_HEADER = "date_header"  # the sender's own clock: never enough to reject


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- rules


class Deadline(Strict):
    local: datetime | date = Field(
        description="Local date/time the call closes. A date alone closes at the end of that day."
    )
    zone: str = "Africa/Casablanca"
    late_policy: LatePolicy = LatePolicy.REJECT

    @field_validator("local", mode="before")
    @classmethod
    def _typed_forms(cls, value: object) -> object:
        # A date typed as text ("10/05/2026 16h00"), read day first (inbox_bot.core.dates).
        return parse_local(value) if isinstance(value, str) else value

    @field_validator("local")
    @classmethod
    def _naive_only(cls, value: datetime | date) -> datetime | date:
        if isinstance(value, datetime) and value.tzinfo is not None:
            raise ValueError("write the local time without an offset and name the zone in `zone`")
        return value

    @field_validator("zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)
        return value

    def closes_at(self) -> datetime:
        """The first instant that is late (exclusive bound), aware."""
        tz = zone(self.zone)
        if isinstance(self.local, datetime):
            return self.local.replace(tzinfo=tz)
        end_of_day = datetime(self.local.year, self.local.month, self.local.day) + timedelta(days=1)
        return end_of_day.replace(tzinfo=tz)


# A kind of document by its id: a DocumentKind value, or a kind the rule declares under [kinds.<id>]
KindId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
Language = Literal["fr", "ar", "en"]


class OwnKind(Strict):
    """A document a call asks for that the built-in kinds do not cover: a copy of the ID card, diplomas..."""

    label: dict[Language, str] = Field(description="What to call it in replies, the digest and the export.")
    words: dict[Language, list[str]] = Field(
        description="Words or phrases of its name or text that tell it (case and accents do not matter)."
    )

    @model_validator(mode="after")
    def _usable(self) -> OwnKind:
        if "fr" not in self.label:
            raise ValueError("give at least its French label: label = { fr = \"...\" }")
        if not any(word.strip() for words in self.words.values() for word in words):
            raise ValueError("give the words that tell it: words = { fr = [\"...\"], ar = [...], en = [...] }")
        return self


class Documents(Strict):
    required: list[KindId]
    optional: list[KindId] = []
    max_pages: dict[KindId, Annotated[int, Field(gt=0)]] = {}

    @model_validator(mode="after")
    def _no_overlap(self) -> Documents:
        both = set(self.required) & set(self.optional)
        if both:
            raise ValueError(f"kinds listed as both required and optional: {sorted(both)}")
        if DocumentKind.OTHER in self.required:
            raise ValueError("`other` cannot be required: name the kind of document you expect")
        return self


class Criterion(Strict):
    name: str
    weight: Annotated[float, Field(gt=0, le=100)]
    description: str = ""
    sealed: bool | None = Field(
        default=None,
        description="Marked only once the call's sealed envelopes are opened; unset: a price criterion is when "
        "financial offers are sealed.",
    )


class Replies(Strict):
    enabled: bool = False
    language: Literal["fr", "ar", "en"] = "fr"
    kinds: list[Literal["receipt", "incomplete", "late"]] = ["receipt", "incomplete", "late"]
    template_dir: str | None = None
    receipt_says_complete: bool = Field(
        default=False,
        description="Whether a receipt may tell the applicant the dossier is complete. Off: the receipt states what "
        "was received and what looks missing, since the documents' kinds are a machine's reading.",
    )


class Rule(Strict):
    """One call for applications, as written in rules/<id>.toml."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
    organisation: str
    title: str
    reference: str = ""
    seed: str = ""
    addresses: Annotated[list[str], Field(min_length=1)]
    subject: str | None = Field(
        default=None, description="The subject line the call imposes, or none when it imposes none."
    )
    topics: list[str] = Field(
        default=[], description="Words or phrases that show a mail is about this call (subject, body, files)."
    )
    staff: list[str] = Field(
        default=[],
        description="Addresses or @domains of the organisation's own people (beyond the private domain of "
        "`addresses`): a dossier they forward is the original sender's.",
    )
    deadline: Deadline
    documents: Documents
    criteria: list[Criterion] = []
    sealed: list[DocumentKind] = Field(
        default=[],
        description="Kinds kept closed (a second envelope) until `inbox-bot unseal`, e.g. [\"financial_offer\"].",
    )
    replies: Replies = Replies()
    kinds: dict[KindId, OwnKind] = Field(
        default={}, description="The call's own kinds of document, beyond the built-in ones: [kinds.<id>]."
    )

    @field_validator("addresses")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        cleaned = []
        for value in values:
            address = value.strip().lower()
            local, _, domain = address.partition("@")
            if not local or "." not in domain or any(c.isspace() for c in address):
                raise ValueError(f"{value!r} is not an email address (expected name@domain.tld)")
            cleaned.append(address)
        return cleaned

    @model_validator(mode="after")
    def _kinds_known(self) -> Rule:
        builtin = {kind.value for kind in DocumentKind}
        shadowing = sorted(set(self.kinds) & builtin)
        if shadowing:
            raise ValueError(f"kinds: {shadowing} are built-in kinds already: give your own kind another id")
        documents = self.documents
        named: list[tuple[tuple[str, int | str], str]] = []
        named += [(("required", i), k) for i, k in enumerate(documents.required)]
        named += [(("optional", i), k) for i, k in enumerate(documents.optional)]
        named += [(("max_pages", k), k) for k in documents.max_pages]
        unknown = [
            InitErrorDetails(
                type=PydanticCustomError(
                    "unknown_kind",
                    "{kind!r} is neither a built-in kind ({builtin}) nor one of the call's own: declare it under "
                    "[kinds.{kind}] with its label and words",
                    {"kind": kind, "builtin": ", ".join(sorted(builtin))},
                ),
                loc=("documents", *where),
                input=kind,
            )
            for where, kind in named
            if kind not in builtin and kind not in self.kinds
        ]
        if unknown:  # raised with each kind's place, so the error names the field (documents.required.0)
            raise ValidationError.from_exception_data("Rule", unknown)
        return self

    def own_label(self, kind: str, language: Language = "fr") -> str | None:
        """The label of one of the call's own kinds, in `language` (else French); None for a built-in kind."""
        own = self.kinds.get(kind)
        return None if own is None else own.label.get(language, own.label["fr"])

    def own_labels(self, language: Language = "fr") -> dict[str, str]:
        """Every own kind's label in `language`, by id: what wording needs to name them in a reason."""
        return {kind: label for kind in self.kinds if (label := self.own_label(kind, language)) is not None}

    @model_validator(mode="after")
    def _subject_or_topics(self) -> Rule:
        if self.subject is None and not self.topics:
            raise ValueError("a call with no imposed `subject` needs `topics` (words that show a mail is about it)")
        return self

    @model_validator(mode="after")
    def _sealed_kinds_are_asked_for(self) -> Rule:
        asked = {*self.documents.required, *self.documents.optional}
        stray = [kind.value for kind in self.sealed if kind not in asked]
        if stray:
            raise ValueError(f"sealed kinds {stray} are not in documents.required or documents.optional")
        return self


# ---------------------------------------------------------------- mail


class RawMail(BaseModel):
    """A mail as a source hands it over: bytes plus what the source knows for sure.

    A large mail is not held: its bytes are in `spool`, a file the poller had it written to while it was
    fetched (`raw` is then empty); triage reads it there (triage/rawview.py), the store links it in."""

    model_config = ConfigDict(frozen=True)

    source: str  # a file path, or mailbox/folder/uidvalidity/uid
    raw: bytes
    sha256: str
    server_received_at: datetime | None = None  # IMAP INTERNALDATE (aware) when there is one
    file_mtime: datetime | None = None
    spool: Path | None = None  # the file holding the bytes when `raw` does not
    spool_size: int = 0

    @property
    def size(self) -> int:
        return self.spool_size if self.spool is not None else len(self.raw)


class Attachment(BaseModel):
    """One file carried by a mail (or by an archive inside it), with what we could read of it."""

    model_config = ConfigDict(frozen=True)

    filename: str  # as the sender named it: data only, never a path
    safe_name: str
    mime: str  # detected from the bytes, not from the sender's claim
    size: int
    sha256: str
    content: bytes = Field(repr=False, exclude=True)
    text: str = Field(default="", repr=False)  # first pages of extracted text
    pages: int | None = None
    problem: Reason | None = None  # why it cannot be read: encrypted, corrupt, disguised executable...
    inside: str | None = None  # the archive it came from
    ocr: str | None = None  # set when OCR was tried: "lu par OCR (2 pages)", or why it read nothing
    reading: str | None = None  # the extractor version whose reading this is, to keep (None: nothing to keep)


class MailPart(BaseModel):
    """An attached file as the mail carries it, before anything is read from it."""

    model_config = ConfigDict(frozen=True)

    filename: str
    content: bytes = Field(repr=False)
    declared_mime: str = ""


class Forwarded(Strict):
    """The sender of a mail this one forwards (attached whole, or quoted inline below a client's header block)."""

    sender: str  # address, lower case
    sender_name: str = ""
    subject: str = ""
    how: Literal["attached", "inline"] = "inline"


class ParsedMail(BaseModel):
    model_config = ConfigDict(frozen=True)

    message_id: str
    subject: str
    sender: str  # address, lower case
    sender_name: str
    recipients: list[str]  # To, Cc, Delivered-To, X-Original-To: lower case addresses
    received_at: datetime
    received_source: ReceivedSource
    received_header_at: datetime | None = None  # the topmost Received header, to cross-check the server's date
    body: str = Field(repr=False)
    auto_signals: list[str] = []  # why this looks machine-sent (Auto-Submitted, bounce...)
    links: list[str] = []  # cloud links (Drive, WeTransfer...) found in the body
    parts: list[MailPart] = Field(default=[], repr=False)
    problems: list[Reason] = []  # what could not be read in the mail itself
    in_reply_to: str = ""
    references: str = ""
    return_path: str | None = None
    authentication_results: list[str] = []
    forwarded: list[Forwarded] = []  # the mails it forwards, outermost first


class KindFound(Strict):
    """One kind of document a file holds, where, and what says so: a combined file holds several."""

    kind: str  # a DocumentKind value, or a kind the call's rule declares itself
    pages: list[int] = []  # 1-based pages that read as this kind; empty: the file as a whole
    evidence: list[str] = []


class ClassifiedDocument(Strict):
    filename: str
    kind: DocumentKind  # the main kind: what the file mostly is
    mime: str
    size: int
    sha256: str
    pages: int | None = None
    problem: Reason | None = None
    inside: str | None = None
    reasons: list[Reason] = []
    kinds: list[KindFound] = []  # every kind it holds, the main one first; empty: `kind` alone

    def all_kinds(self) -> list[str]:
        """Every kind the file holds, the main one first."""
        return [found.kind for found in self.kinds] or [self.kind.value]


class MatchResult(Strict):
    call: str | None
    reasons: list[Reason]
    ambiguous: list[str] = []  # calls the mail could be for, when nothing tells them apart


class DossierSoFar(Strict):
    """What the store already holds for one applicant and call, before this mail."""

    kinds: frozenset[str] = frozenset()  # DocumentKind values and the rule's own kinds
    document_hashes: frozenset[str] = frozenset()
    message_ids: frozenset[str] = frozenset()
    mails: int = 0
    deadline_override: datetime | None = None


class Decision(Strict):
    verdict: Verdict
    missing: list[str]  # kind ids: DocumentKind values and the rule's own
    reasons: list[Reason]


class TriageResult(Strict):
    file: str
    message_id: str
    sender: str
    sender_name: str
    subject: str
    call: str | None
    verdict: Verdict
    missing: list[str]
    documents: list[ClassifiedDocument]
    received_at: datetime
    received_source: ReceivedSource
    reasons: list[Reason]
    forwarded_by: str = ""  # who forwarded it, when the applicant (`sender`) is the forwarded mail's sender

    def summary(self) -> dict[str, object]:
        """The JSON shape `triage --json` and `list --json` print."""
        return {
            "file": self.file,
            "message_id": self.message_id,
            "sender": self.sender,
            "forwarded_by": self.forwarded_by,
            "subject": self.subject,
            "call": self.call,
            "verdict": self.verdict.value,
            "missing": [str(kind) for kind in self.missing],
            "documents": [{"filename": d.filename, "kind": d.kind.value, "kinds": d.all_kinds(), "mime": d.mime}
                          for d in self.documents],
            "received_at": self.received_at.isoformat(),
            "reasons": [r.as_dict() for r in self.reasons],
        }


# ---------------------------------------------------------------- a coordinator's commands by mail


class CommandAction(StrEnum):
    VERDICT = "verdict"  # a person's verdict on an application
    EXTEND = "extend"  # a later deadline, for one application or (with `call`) for a whole call
    CANCEL = "cancel"  # back to the automatic verdict: the application's override and extension removed


class Command(Strict):
    """One command line understood: what to do, to which application (A17) or call."""

    action: CommandAction
    ident: str = ""  # an application's ID as the digest shows it, upper case: A17
    call: str = ""  # a whole call, for an extension
    verdict: Verdict | None = None
    until: datetime | None = None  # aware, for an extension


class CommandLine(Strict):
    """One line of a command mail that reads as a command: understood, or refused with the reason."""

    text: str  # the line as she wrote it, on one line and bounded
    command: Command | None = None
    refusal: Reason | None = None


class CommandOutcome(Strict):
    """What became of one command line: done (what was done) or refused (why), as a reason to render."""

    text: str
    applied: bool
    reason: Reason
