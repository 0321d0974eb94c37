"""Conversations: the Message-IDs a mail answers, and the call of the thread it belongs to.

An applicant who answers our incomplete notice writes to the call's address with "RE: Votre dossier est
incomplet" and our notice quoted: often nothing in it names the call, or two calls share the address. The
thread does: a mail whose In-Reply-To or References name a mail of a call (one we received, or one we sent
about it) is for that call, when nothing in the mail itself says which.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Protocol

from inbox_bot.core.models import MatchResult, ParsedMail, Rule
from inbox_bot.core.reasons import ReasonCode, reason

MESSAGE_ID = re.compile(r"<[^<>\s]{1,500}>")
MAX_REFERENCES = 100  # a longer References header is hostile: its newest ids are kept


class Threads(Protocol):
    """Which call the mails of a thread were about (None: none known, or more than one)."""

    def call_of_thread(self, message_ids: Sequence[str]) -> str | None: ...


def thread_ids(parsed: ParsedMail) -> list[str]:
    """The Message-IDs a mail answers (In-Reply-To first, then References), each once, as `<id>`."""
    found = MESSAGE_ID.findall(parsed.in_reply_to) + MESSAGE_ID.findall(parsed.references)[-MAX_REFERENCES:]
    return list(dict.fromkeys(found))


def follow_thread(
    matched: MatchResult, parsed: ParsedMail, threads: Threads | None, rules: Mapping[str, Rule]
) -> MatchResult:
    """The match, or the thread's call when the mail itself named none (machine mail never follows a thread)."""
    if matched.call is not None or threads is None or parsed.auto_signals:
        return matched
    ids = thread_ids(parsed)
    call = threads.call_of_thread(ids) if ids else None
    if call is None or call not in rules:
        return matched
    if matched.ambiguous and call not in matched.ambiguous:
        return matched
    return MatchResult(call=call, reasons=[reason(ReasonCode.THREAD_OF_CALL, call=call)])
