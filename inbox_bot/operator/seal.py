"""Closing the technical evaluation of a sealed call: its sealed envelopes (financial offers) are opened.

Irreversible by design: an opening that could be undone would let a committee peek at prices, then mark.
"""

from __future__ import annotations

import getpass

from inbox_bot.core.errors import UsageError
from inbox_bot.core.models import Rule
from inbox_bot.storage.seals import Opening, open_envelopes
from inbox_bot.storage.store import Store


def unseal(store: Store, rule: Rule, note: str, by: str | None = None) -> tuple[Opening, bool]:
    """Record who opened the call's sealed kinds, when and why; (the opening, whether it is new)."""
    if not rule.sealed:
        raise UsageError(f"the call {rule.id} seals no documents", fix='add sealed = ["financial_offer"] to its rule')
    if not note.strip():
        raise UsageError("opening the sealed envelopes needs a --note saying why", fix='add --note "..."')
    who = (by or "").strip() or _os_user()
    return open_envelopes(store, rule.id, who, note.strip())


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers): the record still says something
        return "inconnu"
