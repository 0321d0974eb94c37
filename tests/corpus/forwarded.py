"""Forwarded dossiers: by the organisation's own staff (the applicant is the original sender) or by the
applicant (who forwards an earlier mail of their own), inline in each client's style or attached whole."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from tests.corpus import scenarios as s
from tests.corpus import texts as t
from tests.corpus.forwards import INLINE, Original

STYLES = [*INLINE, "attached"]
PREFIX = {"gmail": "Fwd: ", "gmail_en": "Fwd: ", "outlook_en": "FW: ", "outlook_fr": "TR: ",
          "outlook_fr_mailto": "TR : ", "thunderbird": "Fwd: ", "thunderbird_en": "Fwd: ", "apple": "Fwd: ",
          "apple_en": "Fwd: ", "attached": "TR: "}
NOTES = ["Bonjour,\n\nCandidature reçue sur mon adresse, pour traitement.\n\n{staff}\n\n",
         "Pour info et suite à donner.\n\n",
         "Hi, forwarding an application that came to me directly.\n\n",
         "Salam, je te transfère ce dossier.\n\n"]


def _target(i: int) -> tuple[str, tuple[str, str], str, str, tuple[str, ...], datetime]:
    """(call, staff, call address, subject, required kinds, when) for the i-th forward."""
    choice = i % 3
    if choice == 0:
        return (s.OXFAM_CALL, ("Karima Amrani", "k.amrani@oxfam.org"), s.OXFAM, s.OXFAM_SUBJECTS[i % 5],
                s.OXFAM_REQUIRED, datetime(2022, 1, 12, 9, tzinfo=UTC) + timedelta(hours=5 * i))
    if choice == 1:
        return (s.HAKAMA, ("Coordination HAKAMA", "coordination@ajj.org.ma"), s.AJJ, s.HAKAMA_SUBJECTS[i % 4],
                s.HAKAMA_REQUIRED, datetime(2026, 5, 20, 9, tzinfo=UTC) + timedelta(hours=5 * i))
    return (s.ALCI_CALL, ("Mouvement ALCI", s.ALCI[0]), s.ALCI[1], s.ALCI_SUBJECTS[i % 3], s.ALCI_REQUIRED,
            datetime(2023, 12, 27, 9, tzinfo=UTC) + timedelta(hours=5 * i))


def _files(call: str, i: int, p: t.Person) -> list[s.File]:
    name = t.firm(i)
    if call == s.OXFAM_CALL:
        return s.oxfam_files(i, name)
    if call == s.HAKAMA:
        return s.hakama_files(i, name, p)
    return s.alci_files(i, name, p)


def staff_forwards() -> Iterator[s.Case]:
    for i in range(30):
        style = STYLES[i % len(STYLES)]
        call, staff, address, subject, required, when = _target(i)
        p = t.person(500 + i)
        files = _files(call, i, p)
        original = Original(p.name, p.address, staff[1], subject, when - timedelta(days=1), s.body(i, p.name))
        note = NOTES[i % len(NOTES)].format(staff=staff[0])
        name = f"forward-{style}-{i:02d}"
        if style == "attached":
            inner = s.build_mail(f"{name}-inner", (p.name, p.address), staff[1], subject, original.body, files,
                                 original.when)
            yield s.case(name, staff, address, PREFIX[style] + subject, note, [], when, call=call,
                         required=required, applicant=p.address, attached=inner, inner_files=files,
                         tags=["forward", style])
            continue
        block = INLINE[style](original)
        if i % 10 == 9:  # forwarded twice inside the organisation before it reached the call's address
            colleague = Original(staff[0], staff[1], "direction@" + staff[1].split("@")[1], PREFIX[style] + subject,
                                 when - timedelta(hours=3), note + block)
            block = INLINE[style](colleague)
        yield s.case(name, staff, address, PREFIX[style] + subject, note + block, files, when, call=call,
                     required=required, applicant=p.address, tags=["forward", style])


def own_forwards() -> Iterator[s.Case]:
    """Applicants who send again a mail that went to a wrong address first: they are the applicant."""
    for i in range(10):
        style = STYLES[(i * 3) % (len(STYLES) - 1)]
        p = t.person(600 + i)
        subject = s.OFFICER_SUBJECTS[i % len(s.OFFICER_SUBJECTS)]
        when = datetime(2026, 4, 22, 9, tzinfo=UTC) + timedelta(hours=6 * i)
        wrong = "omdp.direction@gmail.com"
        original = Original(p.name, p.address, wrong, subject, when - timedelta(days=2), s.body(i, p.name))
        note = "Bonjour,\nJe vous renvoie ma candidature, envoyée par erreur à une autre adresse.\n\n"
        yield s.case(f"own-forward-{style}-{i:02d}", (p.name, p.address), s.OMP, PREFIX[style] + subject,
                     note + INLINE[style](original), s.officer_files(i, p), when, call=s.OFFICER,
                     required=s.OFFICER_REQUIRED, tags=["forward", "own", style])
