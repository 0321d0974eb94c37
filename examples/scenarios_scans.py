"""Dossiers sent from a phone (issue #17): a financial offer photographed sideways on WhatsApp, a CamScanner
PDF, a CV photographed in low resolution, an Arabic offer upside down, a scanned ID card named scan0001.pdf.

Every scan is named as phones and scanner apps name them, so only its text, read by OCR, tells what it is.
Without OCR each of these dossiers would read incomplete. They all reach AJJ's address for the HAKAMA call on
31 May 2026, the last day, after every other sample mail, so the numbering of the others does not move.
"""

from __future__ import annotations

from datetime import timedelta

from examples.cast import consultant
from examples.delivery import AJJ_BOX, HAKAMA, Sample, ma, mail, pdf
from examples.documents import cv
from examples.documents_oxfam_hakama import hakama_note, hakama_offer
from examples.scenarios_hakama import hakama_body
from tests.scans import image_pdf, jpeg, page, smaller, turned

ARABIC_OFFER = [
    "العرض المالي", "استراتيجية التواصل لتجمع حكامة", "أتعاب الخبير: 24 يوما",
    "الأجر اليومي: 3000 درهم", "المبلغ الإجمالي: 72000 درهم", "الضريبة على القيمة المضافة: 14400 درهم",
    "المبلغ الإجمالي مع احتساب الرسوم: 86400 درهم",
]
CIN = [
    "ROYAUME DU MAROC", "المملكة المغربية", "CARTE NATIONALE D'IDENTITE", "البطاقة الوطنية للتعريف",
    "MERIEM TAZI", "Née le 04.11.1988 à Meknès", "Valable jusqu'au 20.02.2032", "N° D 561204",
]


def _text(lines: list[str]) -> list[str]:
    """A document's lines as printed: without the Markdown marks of examples/documents.py."""
    return [line.lstrip("#- ").replace(" | ", "   ") for line in lines]


def samples() -> list[Sample]:
    out: list[Sample] = []

    yasmine = consultant("Yasmine Chraibi", "Rabat", "yasmine.chraibi@example.ma", 5, "communication", female=True)
    at = ma(2026, 5, 31, 10, 15, 40)
    offer = jpeg(turned(page(_text(hakama_offer(yasmine.name, 3200)), font_size=28, seed=11), 90))
    files = [
        ("CV_Yasmine_Chraibi.pdf", pdf(cv(yasmine), at - timedelta(days=1), yasmine.name)),
        ("Note_methodologique_HAKAMA.pdf", pdf(hakama_note(yasmine.name), at - timedelta(days=1), yasmine.name)),
        ("WhatsApp Image 2026-05-31 at 10.15.22.jpeg", offer),
    ]
    m = mail("hakama-whatsapp-offer-photo", (yasmine.name, yasmine.email), AJJ_BOX, at,
             "Candidature HAKAMA", hakama_body(yasmine, "je vous adresse ma candidature ; l'offre financière est "
                                               "en photo."), files)
    out.append(Sample("hakama-whatsapp-offer-photo", m.build(), at, "complete", HAKAMA,
                      note="financial offer photographed sideways, sent as a WhatsApp image: read by OCR"))

    omar = consultant("Omar Bennani", "Fès", "omar.bennani@example.ma", 6, "communication", female=False)
    at = ma(2026, 5, 31, 11, 2, 10)
    camscanner = image_pdf([page(_text(hakama_offer(omar.name, 2900)), font_size=28, seed=12),
                            page(["Offre valable 60 jours.", "Lu et approuvé, Omar Bennani"], seed=13)])
    files = [
        ("IMG_20260531_110230.jpg", jpeg(smaller(page(_text(cv(omar)), font_size=30, seed=14), 0.6), 65)),
        ("Note_methodologique_HAKAMA.pdf", pdf(hakama_note(omar.name), at - timedelta(days=2), omar.name)),
        ("CamScanner 05-31-2026 11.02.pdf", camscanner),
    ]
    m = mail("hakama-camscanner-dossier", (omar.name, omar.email), AJJ_BOX, at,
             "Candidature – stratégie de communication HAKAMA",
             hakama_body(omar, "veuillez trouver mon dossier scanné."), files)
    out.append(Sample("hakama-camscanner-dossier", m.build(), at, "complete", HAKAMA,
                      note="CV photographed in low resolution, offer as a 2-page CamScanner PDF: read by OCR"))

    meriem = consultant("Meriem Tazi", "Meknès", "meriem.tazi@example.ma", 7, "communication", female=True)
    at = ma(2026, 5, 31, 14, 30, 5)
    files = [
        ("CV_Meriem_Tazi.pdf", pdf(cv(meriem), at - timedelta(days=1), meriem.name)),
        ("Note_methodologique_HAKAMA.pdf", pdf(hakama_note(meriem.name), at - timedelta(days=1), meriem.name)),
        ("scan0001.pdf", image_pdf([page(CIN, seed=15)])),
    ]
    m = mail("hakama-scan-is-an-id-card", (meriem.name, meriem.email), AJJ_BOX, at,
             "Candidature HAKAMA", hakama_body(meriem, "voici mon dossier et ma pièce d'identité."), files)
    out.append(Sample("hakama-scan-is-an-id-card", m.build(), at, "incomplete", HAKAMA, ("financial_offer",),
                      note="scan0001.pdf is a scanned ID card, not the financial offer: OCR tells them apart"))

    karima = consultant("Karima Ouazzani", "Tanger", "karima.ouazzani@example.ma", 8, "communication", female=True)
    at = ma(2026, 5, 31, 17, 48, 33)
    files = [
        ("CV_Karima_Ouazzani.pdf", pdf(cv(karima), at - timedelta(days=1), karima.name)),
        ("Note_methodologique_HAKAMA.pdf", pdf(hakama_note(karima.name), at - timedelta(days=1), karima.name)),
        ("WhatsApp Image 2026-05-31 at 17.48.02.jpeg", jpeg(turned(page(ARABIC_OFFER, seed=16), 180))),
    ]
    m = mail("hakama-arabic-offer-upside-down", (karima.name, karima.email), AJJ_BOX, at,
             "Candidature HAKAMA", hakama_body(karima, "l'offre financière est jointe en arabe."), files)
    out.append(Sample("hakama-arabic-offer-upside-down", m.build(), at, "complete", HAKAMA,
                      note="financial offer in Arabic, photographed upside down: read by OCR"))
    return out
