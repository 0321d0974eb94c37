"""The states a ledger row and an outbox row go through; the text values are what the database stores.

Ledger (one row per UID seen on an IMAP server):

    recorded --MOVE done--> filed
    recorded --verdict stays in place--> left
    recorded --not in the folder, found in its target--> filed; found nowhere--> gone
    (a UID whose mail came through another folder or label is written `linked` straight away)

Outbox (one row per message to send):

    queued --claimed, committed before SMTP--> sending --accepted--> sent
    sending --server said later--> queued (a later attempt)   sending --refused, or too many tries--> failed
    sending --answer lost, or the process died--> unknown --a person: resend--> queued, or mark sent--> sent
"""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    """What became of a mail: the word every list, digest and export is sorted by."""

    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    LATE = "late"
    DUPLICATE = "duplicate"
    UNMATCHED = "unmatched"
    IGNORED = "ignored"
    NEEDS_REVIEW = "needs_review"
    # Only a person gives it (override, or a command by mail): the coordinator put the application out of the
    # selection. The triage never does, and no notice goes to the applicant for it.
    REJECTED = "rejected"


class LedgerState(StrEnum):
    RECORDED = "recorded"  # in the store, not yet filed on the server
    FILED = "filed"  # moved to its folder
    LEFT = "left"  # stays where it is (unmatched, ignored...)
    LINKED = "linked"  # the same mail already came through another folder or label: nothing to do
    GONE = "gone"  # no longer in the folder, and not in the target folder either (someone moved it)


class OutboxState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"  # interrupted mid-transaction: may have gone, never resent on its own
