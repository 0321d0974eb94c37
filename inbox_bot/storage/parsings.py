"""What reading a mail gave, kept with the mail: its parsed fields and its files as read (name, type, hash, text,
pages, problems; not their bytes, which are stored by hash), under the reader's version (`Pipeline.reader`).

A re-triage then goes from this row to classifying, matching and deciding, without reading the raw mail's
MIME structure or its files again (issue #16: re-triage at a tenth of the first run). A row of another reader
version is not served: the mail is read again, and its row written anew.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError

from inbox_bot.core.models import Attachment, ParsedMail

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store


def keep(store: Store, mail_id: int, reader: str, parsed: ParsedMail, attachments: Sequence[Attachment]) -> None:
    files = json.dumps([a.model_dump(mode="json") for a in attachments], ensure_ascii=False)
    store.db.execute(
        "insert or replace into parsings (mail_id, reader, parsed, attachments) values (?, ?, ?, ?)",
        [mail_id, reader, parsed.model_dump_json(exclude={"parts"}), files],
    )


def read_before(store: Store, mail_id: int, reader: str) -> tuple[ParsedMail, list[Attachment]] | None:
    """The mail as it was read, its files without their bytes (`content` empty); None if not kept (or not
    under this reader)."""
    row = store.db.execute(
        "select parsed, attachments from parsings where mail_id = ? and reader = ?", [mail_id, reader]
    ).fetchone()
    if row is None:
        return None
    try:
        parsed = ParsedMail.model_validate_json(row[0])
        attachments = [Attachment.model_validate({**a, "content": b""}) for a in json.loads(row[1])]
    except (ValueError, TypeError, ValidationError):  # written by another version of the models: read again
        return None
    return parsed, attachments
