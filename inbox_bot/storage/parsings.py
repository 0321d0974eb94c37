"""What reading a mail gave, kept with the mail: its parsed fields, its files as read (name, type, hash, text,
pages, problems; not their bytes, which are stored by hash) and the kinds `classify` found in them, under the
reader's version (`Pipeline.reader`: the code's versions, the extractor's, the limits).

A re-triage then goes from this row straight to matching and deciding, without reading the raw mail, its MIME
structure or its files again (issue #16: re-triage at a tenth of the first run). A row of another reader
version is not served: the mail is read again, and its row written anew.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import ValidationError

from inbox_bot.core.models import Attachment, ClassifiedDocument, ParsedMail

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store


@dataclass(frozen=True)
class Parsing:
    parsed: ParsedMail
    attachments: list[Attachment]  # without their bytes (`content` is empty)
    classified: list[ClassifiedDocument]


def keep(store: Store, mail_id: int, reader: str, parsing: Parsing) -> None:
    files = json.dumps([a.model_dump(mode="json") for a in parsing.attachments], ensure_ascii=False)
    kinds = json.dumps([d.model_dump(mode="json") for d in parsing.classified], ensure_ascii=False)
    store.db.execute(
        "insert or replace into parsings (mail_id, reader, parsed, attachments, classified) values (?, ?, ?, ?, ?)",
        [mail_id, reader, parsing.parsed.model_dump_json(exclude={"parts"}), files, kinds],
    )


def read_before(store: Store, mail_id: int, reader: str) -> Parsing | None:
    """The mail as it was read and classified; None if not kept (or not under this reader)."""
    row = store.db.execute(
        "select parsed, attachments, classified from parsings where mail_id = ? and reader = ?", [mail_id, reader]
    ).fetchone()
    if row is None:
        return None
    try:
        parsed = ParsedMail.model_validate_json(row[0])
        attachments = [Attachment.model_validate({**a, "content": b""}) for a in json.loads(row[1])]
        classified = [ClassifiedDocument.model_validate(d) for d in json.loads(row[2])]
    except (ValueError, TypeError, ValidationError):  # written by another version of the models: read again
        return None
    return Parsing(parsed, attachments, classified)
