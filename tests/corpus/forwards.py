"""Forwarded mail as each common client writes it: the header block above the quoted mail, or the whole mail
attached (Outlook's "Forward as attachment"). The blocks copy what the clients print, in their French and
English interfaces."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

FORMATS_FR_DAYS = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]
MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre"]


@dataclass(frozen=True)
class Original:
    name: str
    address: str
    to: str
    subject: str
    when: datetime
    body: str


def gmail(o: Original) -> str:
    day = FORMATS_FR_DAYS[o.when.weekday()]
    return ("---------- Forwarded message ---------\n"
            f"De : {o.name} <{o.address}>\n"
            f"Date: {day} {o.when.day} {MONTHS_FR[o.when.month - 1][:4]}. {o.when.year} à {o.when:%H:%M}\n"
            f"Subject: {o.subject}\nTo: <{o.to}>\n\n\n{o.body}")


def gmail_en(o: Original) -> str:
    return ("---------- Forwarded message ---------\n"
            f"From: {o.name} <{o.address}>\n"
            f"Date: {o.when:%a, %b} {o.when.day}, {o.when.year} at {o.when:%I:%M %p}\n"
            f"Subject: {o.subject}\nTo: <{o.to}>\n\n\n{o.body}")


def outlook_en(o: Original) -> str:
    return ("-----Original Message-----\n"
            f"From: {o.name} <{o.address}>\n"
            f"Sent: {o.when:%A, %B} {o.when.day}, {o.when.year} {o.when:%I:%M %p}\n"
            f"To: {o.to}\nSubject: {o.subject}\n\n{o.body}")


def outlook_fr(o: Original) -> str:
    day = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"][o.when.weekday()]
    return ("________________________________\n"
            f"De : {o.name} <{o.address}>\n"
            f"Envoyé : {day} {o.when.day} {MONTHS_FR[o.when.month - 1]} {o.when.year} {o.when:%H:%M}\n"
            f"À : {o.to}\nObjet : {o.subject}\n\n{o.body}")


def outlook_fr_mailto(o: Original) -> str:
    day = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"][o.when.weekday()]
    return (f"De : {o.name} [mailto:{o.address}]\n"
            f"Envoyé : {day} {o.when.day} {MONTHS_FR[o.when.month - 1]} {o.when.year} {o.when:%H:%M}\n"
            f"À : {o.to}\nObjet : {o.subject}\n\n{o.body}")


def thunderbird(o: Original) -> str:
    return ("-------- Message transféré --------\n"
            f"Sujet : \t{o.subject}\n"
            f"Date : \t{o.when:%a, %d %b %Y %H:%M:%S} +0100\n"
            f"De : \t{o.name} <{o.address}>\n"
            f"Pour : \t{o.to}\n\n\n{o.body}")


def thunderbird_en(o: Original) -> str:
    return ("-------- Forwarded Message --------\n"
            f"Subject: \t{o.subject}\nDate: \t{o.when:%a, %d %b %Y %H:%M:%S} +0100\n"
            f"From: \t{o.name} <{o.address}>\nTo: \t{o.to}\n\n\n{o.body}")


def apple(o: Original) -> str:
    return ("Début du message réexpédié :\n\n"
            f"De: {o.name} <{o.address}>\n"
            f"Objet: {o.subject}\n"
            f"Date: {o.when.day} {MONTHS_FR[o.when.month - 1]} {o.when.year} à {o.when:%H:%M:%S} UTC+1\n"
            f"À: {o.to}\n\n{o.body}")


def apple_en(o: Original) -> str:
    return ("Begin forwarded message:\n\n"
            f"From: {o.name} <{o.address}>\nSubject: {o.subject}\n"
            f"Date: {o.when:%B} {o.when.day}, {o.when.year} at {o.when:%H:%M:%S} GMT+1\nTo: {o.to}\n\n{o.body}")


INLINE: dict[str, Callable[[Original], str]] = {
    "gmail": gmail, "gmail_en": gmail_en, "outlook_en": outlook_en, "outlook_fr": outlook_fr,
    "outlook_fr_mailto": outlook_fr_mailto, "thunderbird": thunderbird, "thunderbird_en": thunderbird_en,
    "apple": apple, "apple_en": apple_en,
}
