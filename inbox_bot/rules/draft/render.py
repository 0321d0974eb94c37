"""A draft as the TOML of a rule (each field's evidence beside it) and as the JSON object scripts read."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from inbox_bot.core.models import Deadline
from inbox_bot.rules.draft.build import FIELDS, Draft
from inbox_bot.rules.draft.found import Found
from inbox_bot.rules.draft.own_kinds import DraftedKind

EXAMPLE_DEADLINE = "10/05/2026 16h00"


def as_json(draft: Draft) -> dict[str, object]:
    """Exactly the keys the issue names, for scripts."""
    deadline = draft.deadline.value
    return {
        "organisation": draft.organisation.value,
        "language": draft.language.value,
        "addresses": sorted(a.lower() for a in draft.addresses.value),
        "subject": draft.subject.value,
        "deadline": None if deadline is None else _deadline(deadline),
        "late_policy": draft.late_policy.value.value,
        "required": sorted(draft.required.value),
        "optional": sorted(draft.optional.value),
        "max_pages": {k.value: pages for k, pages in sorted(draft.max_pages.value.items())},
        "criteria": [{"name": name, "weight": weight} for name, weight in draft.criteria.value],
        "separate_financial_offer": draft.separate_financial_offer.value,
        "evidence": {name: found.evidence for name in FIELDS if (found := draft.found(name)).evidence},
        "review": list(draft.review()),
    }


def _deadline(deadline: Deadline) -> dict[str, str]:
    local = deadline.local
    shown = local.strftime("%Y-%m-%dT%H:%M") if isinstance(local, datetime) else local.isoformat()
    closes = deadline.closes_at().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"local": shown, "zone": deadline.zone, "closes_at_utc": closes}




def _s(value: str) -> str:
    # A JSON string is a TOML basic string: the same escapes.
    return json.dumps(value, ensure_ascii=False)


def _comment(found: Found[object], label: str = "from the call") -> list[str]:
    out = []
    if found.review:
        out.append(f"# TO REVIEW: {found.review}")
    if found.evidence:
        for piece in found.evidence.split(" | ")[:4]:
            out.append(f"# {label}: {piece}")
    return out


def as_toml(draft: Draft, source: str) -> str:
    review = draft.review()
    head = [
        f"# DRAFT written by `inbox-bot rules draft` from {source}: a person must review it before use.",
        "# Each field has the line of the call it came from; `TO REVIEW` marks what was not found or was found",
        f"# twice. {len(review)} field(s) to review" + (f": {', '.join(review)}." if review else "."),
        "# The fields are explained in docs/rules.md. Check it with `inbox-bot rules check`.",
        f"id = {_s(draft.id)}",
        *_comment(draft.organisation),
        f"organisation = {_s(draft.organisation.value or 'TO REVIEW')}",
        f"title = {_s(draft.title)}",
    ]
    if draft.reference:
        head.append(f"reference = {_s(draft.reference)}")
    return "\n".join([*head, *_routing(draft), *_deadline_table(draft), *_documents(draft), *_criteria(draft),
                      *_replies(draft)]) + "\n"


def _routing(draft: Draft) -> list[str]:
    out = [*_comment(draft.addresses), f"addresses = [{', '.join(_s(a) for a in draft.addresses.value)}]"]
    out += _comment(draft.subject)
    if draft.subject.value is not None:
        out.append(f"subject = {_s(draft.subject.value)}")
    else:
        topics = [draft.title.lower()[:80], *([draft.reference] if draft.reference else [])]
        out += [
            "# The call imposes no subject: these words tell its mail apart (TO REVIEW, add more).",
            f"topics = [{', '.join(_s(topic) for topic in topics)}]",
        ]
    return out


def _deadline_table(draft: Draft) -> list[str]:
    out = ["", "[deadline]", *_comment(draft.deadline)]
    deadline = draft.deadline.value
    if deadline is None:
        out.append(f'local = ""  # write the deadline, e.g. "{EXAMPLE_DEADLINE}" (day first)')
        out.append('zone = "Africa/Casablanca"')
    else:
        local = deadline.local
        shown = local.strftime("%Y-%m-%dT%H:%M:%S") if isinstance(local, datetime) else _day(local)
        out += [f"local = {shown}", f"zone = {_s(deadline.zone)}"]
    out += _comment(draft.late_policy, "late policy from")
    out.append(f"late_policy = {_s(draft.late_policy.value.value)}")
    return out


def _day(day: date) -> str:
    return f"{day.isoformat()}  # a date alone: the whole day counts"


def _documents(draft: Draft) -> list[str]:
    out = ["", "[documents]", *_comment(draft.required)]
    out.append(f"required = [{', '.join(_s(k) for k in draft.required.value)}]")
    if draft.optional.value:
        out += [*_comment(draft.optional), f"optional = [{', '.join(_s(k) for k in draft.optional.value)}]"]
    for line in draft.unmapped[:5]:
        out.append(f"# asked for, no kind of ours: {line}")
    if draft.separate_financial_offer.value:
        out += [*_comment(draft.separate_financial_offer), "# The financial offer must come in a separate file."]
    if draft.max_pages.value:
        out += ["", "[documents.max_pages]", *_comment(draft.max_pages)]
        out += [f"{kind.value} = {pages}" for kind, pages in draft.max_pages.value.items()]
    for kind in draft.kinds.values():
        out += _own_kind(kind, draft.language.value)
    return out


def _own_kind(kind: DraftedKind, language: str) -> list[str]:
    """`[kinds.<id>]`: a document no built-in kind names, with the call's words for it (triage/own_kinds.py)."""
    key = "ar" if kind.arabic else language if language in ("fr", "en") else "fr"
    label = {key: kind.label} if key == "fr" else {key: kind.label, "fr": kind.label}
    out = ["", f"[kinds.{kind.id}]",
           "# TO REVIEW: a kind of this call's own, drafted from its words: check its label and the words that tell it",
           f"# from the call: {kind.evidence}"]
    if key != "fr":
        out.append("# The French label is needed (replies, digest, export): it is the call's words, translate it.")
    out.append(f"label = {{ {', '.join(f'{lang} = {_s(text)}' for lang, text in label.items())} }}")
    out.append(f"words = {{ {key} = [{', '.join(_s(word) for word in kind.words)}] }}")
    return out


def _criteria(draft: Draft) -> list[str]:
    out = [] if not draft.criteria.value else ["", *_comment(draft.criteria)]
    for name, weight in draft.criteria.value:
        out += ["[[criteria]]", f"name = {_s(name)}", f"weight = {weight:g}", ""]
    return out


def _replies(draft: Draft) -> list[str]:
    return ["", "[replies]", "# Off until a person has reviewed this draft.", "enabled = false",
            f"language = {_s(draft.language.value)}"]
