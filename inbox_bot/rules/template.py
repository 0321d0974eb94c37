"""The commented template `inbox-bot rules new ID` writes: every field, with what to write in it."""

from __future__ import annotations

_TEMPLATE = """\
# A call for applications: one file per call, named after its id. Every field is explained in docs/rules.md.
# Replace each example value with the call's own, then run `inbox-bot rules check`.
id = "{rule_id}"  # lower case letters, digits and dashes; the same as the file name
organisation = "Nom de l'organisation (SIGLE)"
title = "Recrutement d'un(e) consultant(e) : objet de la mission"
reference = ""  # the call's reference number, if it has one
# Every address applications are sent to, including those asked "en copie".
addresses = ["candidatures@example.org"]
# The subject line the call imposes ("en mentionnant en objet « ... »"). Delete this line if it imposes none,
# and then give `topics` instead: words that show a mail is about this call.
subject = "Candidature_Consultant_Projet"
topics = []  # e.g. ["guide des bonnes pratiques", "participation citoyenne"]

[deadline]
# The local date and time the call closes, read day first: 10/05/2026 16h00 or 2026-05-10 16:00.
# "avant 16h00": 16:00 is already late. A date alone ("au plus tard le 10/05/2026") counts the whole day;
# so does "23h59" or "minuit": write the date alone.
local = "31/12/2026 16h00"
zone = "Africa/Casablanca"  # an IANA zone name; "GMT+1" is "Etc/GMT-1"
# reject: late mail is refused (a firm deadline, also when the call says nothing more)
# hold: late mail is kept aside, considered only if the others fall short
# accept: late mail is welcome
late_policy = "reject"

[documents]
# Kinds: cv, cover_letter, references, methodology_note, financial_offer, administrative_file,
# tax_certificate, code_of_conduct, signed_terms, identity_document (the CIN or a passport),
# or one of this call's own kinds declared below ([kinds.<id>]).
required = ["cv", "cover_letter"]
optional = ["references"]

[documents.max_pages]
# methodology_note = 10

# A document none of the kinds above names (a criminal record, diplomas, a driving licence): declare it as a
# kind of this call's own, then put its id in `required` or `optional`. Its label is what replies and the
# digest call it (French needed); its words tell it in a file's name, or in a text no other kind claims.
# [kinds.casier_judiciaire]
# label = {{ fr = "extrait du casier judiciaire", ar = "السجل العدلي", en = "police clearance certificate" }}
# words = {{ fr = ["casier judiciaire"], ar = ["السجل العدلي"], en = ["police clearance"] }}

# One block per selection criterion, in the call's order; weights add up to 100.
[[criteria]]
name = "Expérience"
weight = 60

[[criteria]]
name = "Offre financière"
weight = 40

[replies]
enabled = false  # true to send receipts and "incomplete"/"late" replies
language = "fr"  # fr, ar or en
"""


def template(rule_id: str) -> str:
    return _TEMPLATE.format(rule_id=rule_id)
