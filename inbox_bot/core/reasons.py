"""Why a mail got its verdict, as data: a code and its parameters, never a sentence.

A reason is stored as `{"code": ..., "params": {...}}` and rendered in the reader's language at the last moment
(inbox_bot.core.wording), so the same decision reads in French for the coordinator, in Arabic or English for an
applicant, and in English in the logs. Rows written before reasons were data hold plain sentences: they load as
`note{text}` and are shown as they were written.

Parameters are strings. Instants are ISO 8601 in UTC (rendered in Morocco time); document kinds are
`DocumentKind` values, several joined by commas (rendered as the language's labels).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator


class ReasonCode(StrEnum):
    # written before reasons were data, or free text from outside (a daemon's message): shown as it is
    NOTE = "note"
    # the mail as a whole
    MACHINE_SENT = "machine_sent"  # signals
    MAIL_UNPARSABLE = "mail_unparsable"  # detail
    MAIL_REFUSED = "mail_refused"  # detail: over a size or structure limit, not parsed
    MAIL_NOT_READ = "mail_not_read"  # detail: not delivered whole, or quarantined after a crash
    TRIAGE_FAILED = "triage_failed"  # error
    BAD_BASE64 = "bad_base64"  # file
    # which call
    NOT_ADDRESSED = "not_addressed"
    NOT_ABOUT_CALL = "not_about_call"  # addressed, calls
    AMBIGUOUS_CALL = "ambiguous_call"  # calls
    SUBJECT_IMPOSED = "subject_imposed"  # call
    THREAD_OF_CALL = "thread_of_call"  # call: answers a mail of that call's thread (In-Reply-To/References)
    SUBJECT_VARIANT = "subject_variant"  # call, words
    SUBJECT_TOPIC = "subject_topic"  # call, topic
    TEXT_TOPIC = "text_topic"  # call, topic
    BODY_CITES = "body_cites"  # call, reference
    CARRIES_DOCUMENTS = "carries_documents"  # call, kinds
    # other business than a call at the call's address: left unmatched
    SPONTANEOUS_APPLICATION = "spontaneous_application"  # phrase, call
    INTERNSHIP_REQUEST = "internship_request"  # phrase, call
    INVITATION = "invitation"  # phrase, call
    # who the applicant is
    FORWARDED_BY_STAFF = "forwarded_by_staff"  # how ("attached" or "inline"), by, sender
    FORWARDS_MAIL = "forwards_mail"  # how, sender
    # the verdict
    DUPLICATE_MAIL = "duplicate_mail"  # message_id, call
    DUPLICATE_FILES = "duplicate_files"
    CLOCKS_DISAGREE = "clocks_disagree"  # server, header, deadline
    DATE_HEADER_ONLY = "date_header_only"  # received, deadline, extended ("1" or "")
    LATE_ACCEPTED = "late_accepted"  # received, deadline, extended
    LATE_HELD = "late_held"  # received, deadline, extended
    LATE_REJECTED = "late_rejected"  # received, deadline, extended
    CLOUD_LINK = "cloud_link"  # url
    PAGES_OVER_LIMIT = "pages_over_limit"  # file, pages, limit, kind
    MISSING = "missing"  # kinds
    ALL_DOCUMENTS_IN = "all_documents_in"
    # one file (the file parameter is set where the file's name is known)
    PASSWORD_PROTECTED = "password_protected"  # noqa: S105 (a reason, not a secret) file
    PROTECTED_OR_OLD = "protected_or_old"  # file, format: an encrypted or pre-2007 Office file
    DISGUISED_TYPE = "disguised_type"  # file, real
    EXECUTABLE_REFUSED = "executable_refused"  # file, type
    ARCHIVE_UNSUPPORTED = "archive_unsupported"  # file, format
    ARCHIVE_REFUSED = "archive_refused"  # file, detail
    UNREADABLE_FILE = "unreadable_file"  # file, detail
    TEXT_NOT_READ = "text_not_read"  # file, detail: the reader ran out of time or died
    # what a file is (classification)
    PROGRAM_NOT_DOCUMENT = "program_not_document"  # file, type
    NAMED_AS = "named_as"  # file, kind
    NAME_AMBIGUOUS = "name_ambiguous"  # file, kinds
    KIND_FROM_NAME = "kind_from_name"  # file: unreadable or no text, kind taken from the name
    NAME_SAYS_NOTHING = "name_says_nothing"  # file
    NO_TEXT = "no_text"  # file: an image or a scan
    TEXT_MENTIONS = "text_mentions"  # kind, phrases, more
    WEAK_EVIDENCE = "weak_evidence"  # kind, score, needed
    TIE = "tie"  # kinds, score
    LESS_LIKELY = "less_likely"  # kind, score, best
    HOLDS_KINDS = "holds_kinds"  # file, kinds, detail (each kind's pages and evidence): a combined file
    OWN_KIND = "own_kind"  # file, kind, evidence: a kind the call declares itself
    READ_BY_OCR = "read_by_ocr"  # file: the text was read from images by OCR, and may hold mistakes
    # a coordinator's commands, by a reply to her digest (sentences in core/command_words.py)
    OPERATOR_COMMAND = "operator_command"  # by: the mail is a command to inbox-bot, never an application
    COMMAND_VERDICT_SET = "command_verdict_set"  # ident, verdict
    COMMAND_EXTENDED = "command_extended"  # ident, until
    COMMAND_CALL_EXTENDED = "command_call_extended"  # call, until
    COMMAND_CANCELLED = "command_cancelled"  # ident
    COMMAND_UNKNOWN_ID = "command_unknown_id"  # ident: none, or another organisation's
    COMMAND_UNKNOWN_CALL = "command_unknown_call"  # call: none, or another organisation's
    COMMAND_UNKNOWN_VERDICT = "command_unknown_verdict"  # word
    COMMAND_BAD_DATE = "command_bad_date"  # text
    COMMAND_NOT_UNDERSTOOD = "command_not_understood"
    COMMAND_NOT_ALLOWED = "command_not_allowed"  # ident, verdict: a verdict a person does not give by mail
    COMMAND_NOT_AFTER_DEADLINE = "command_not_after_deadline"  # until, deadline
    COMMAND_NOTHING_TO_CANCEL = "command_nothing_to_cancel"  # ident
    COMMAND_FAILED = "command_failed"  # ident: our fault, in the log
    COMMAND_NOT_AUTHENTICATED = "command_not_authenticated"  # sender
    COMMAND_FOREIGN_SENDER = "command_foreign_sender"  # sender


class Action(StrEnum):
    """What a mailbox failed to do: read its mail, file it, send the replies to its applicants, or wait for new
    mail in IDLE (then the polls still bring it, only later)."""

    POLL = "poll"
    FILING = "filing"
    SENDING = "sending"
    PUSH = "push"


class Cause(StrEnum):
    """Why a server refused an action, as far as its answer says (RFC 5530 response codes, its words).

    Each has its fix in every language (inbox_bot.core.wording HINTS); `--json` carries the code.
    """

    NAMESPACE = "namespace"  # the folder is outside the server's personal namespace (prefix)
    PERMISSION = "permission"  # the account may not create or write the folder ([NOPERM], ACL)
    NAME = "name"  # the server refuses the folder's name ([CANNOT], invalid name, delimiter)
    MISSING = "missing"  # the folder does not exist ([NONEXISTENT], [TRYCREATE])
    CAPABILITY = "capability"  # the server does not do what was asked (no MOVE, an unknown command)
    QUOTA = "quota"  # the account is full or over a server limit ([OVERQUOTA], [LIMIT], SMTP 452/552)
    AUTH = "auth"  # the login was refused (a changed or expired password, a revoked app password)
    NETWORK = "network"  # the server could not be reached, timed out, or the connection dropped
    SERVER = "server"  # the server reported its own failure ([SERVERBUG], [UNAVAILABLE], SMTP 4xx)
    RECIPIENT = "recipient"  # the SMTP server refused the applicant's address
    REFUSED = "refused"  # the SMTP server refused the message itself (5xx)
    OTHER = "other"  # none of the above: the server's own words are all there is


class Reason(BaseModel):
    """One reason: a code and its parameters (all strings)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: ReasonCode
    params: dict[str, str] = {}

    @model_validator(mode="before")
    @classmethod
    def _legacy_text(cls, value: Any) -> Any:
        """A plain sentence (a row written before reasons were data) is a note."""
        if isinstance(value, str):
            return {"code": ReasonCode.NOTE, "params": {"text": value}}
        return value

    def with_file(self, filename: str) -> Reason:
        return self.model_copy(update={"params": {**self.params, "file": filename}})

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code.value, "params": dict(self.params)}


def reason(code: ReasonCode, **params: object) -> Reason:
    return Reason(code=code, params={key: str(value) for key, value in params.items()})


def note(text: str) -> Reason:
    return Reason(code=ReasonCode.NOTE, params={"text": text})


def load(value: object) -> Reason:
    """A stored reason: a dict, a JSON object, or an old plain sentence; anything else becomes a note."""
    if isinstance(value, Reason):
        return value
    if isinstance(value, str) and value.startswith("{"):
        text = value
        try:
            value = json.loads(text)
        except ValueError:
            return note(text)
    try:
        return Reason.model_validate(value)
    except ValueError:
        return note(str(value))


def load_all(value: object) -> list[Reason]:
    """A stored list of reasons (a JSON text or an already decoded list)."""
    if isinstance(value, str):
        text = value
        try:
            value = json.loads(text) if text else []
        except ValueError:
            return [note(text)]
    if value is None:
        return []
    return [load(item) for item in value] if isinstance(value, list) else [load(value)]


def dump_all(reasons: Iterable[Reason]) -> str:
    return json.dumps([r.as_dict() for r in reasons], ensure_ascii=False)


def dump(value: Reason | None) -> str | None:
    return None if value is None else json.dumps(value.as_dict(), ensure_ascii=False)
