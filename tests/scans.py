"""Scans and phone photos the project draws itself: text rendered on a page, then what a phone or a scanner
does to it (noise, blur, a slight skew, a page turned sideways or upside down, a low resolution, JPEG).

Deterministic: a fixed seed for the noise, so the sample inbox built from these is byte-identical run to run.
Arabic is shaped and laid right to left by Pillow's raqm layout (bundled with Pillow).
"""

from __future__ import annotations

import io
import random
import re
import struct
import subprocess
import tempfile
import textwrap
import zlib
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # Debian's fonts-dejavu-core (scripts/setup --dev)
A4 = (1240, 1754)  # 150 dpi: what a phone scanner app keeps
SCANNED = datetime(2026, 5, 3, 10, 15, 22, tzinfo=UTC)  # a fixed date in the PDF, for byte-identical files


def page(lines: list[str], *, size: tuple[int, int] = A4, font_size: int = 34, skew: float = 1.2,
         seed: int = 1) -> Image.Image:
    """A grey page with one line per item: Arabic lines (any Arabic letter) are set right to left."""
    image = Image.new("L", size, 250)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, font_size)
    y = size[1] // 14
    columns = int(size[0] * 0.84 / (font_size * 0.6))  # about as many characters as fit in the margins
    for line in [part for text in lines for part in textwrap.wrap(text, columns) or [""]]:
        if any("\u0600" <= char <= "\u06ff" for char in line):
            draw.text((size[0] - size[0] // 12, y), line, font=font, fill=20, anchor="ra", direction="rtl",
                      language="ar")
        else:
            draw.text((size[0] // 12, y), line, font=font, fill=20)
        y += int(font_size * 1.8)
    return _photographed(image, skew, seed)


def _photographed(image: Image.Image, skew: float, seed: int) -> Image.Image:
    rnd = random.Random(seed)
    pixels = image.load()
    assert pixels is not None
    width, height = image.size
    for _ in range(width * height // 60):  # dust and sensor noise
        pixels[rnd.randrange(width), rnd.randrange(height)] = rnd.randrange(90, 256)
    tilted = image.rotate(skew, expand=True, fillcolor=235, resample=Image.Resampling.BILINEAR)
    return tilted.filter(ImageFilter.GaussianBlur(0.7))


def turned(image: Image.Image, degrees: int) -> Image.Image:
    """The page as a phone held sideways (90, 270) or upside down (180) records it, clockwise."""
    return image.rotate(-degrees, expand=True)


def smaller(image: Image.Image, factor: float) -> Image.Image:
    """A low-resolution copy: a photo sent through a messaging app that shrinks it."""
    return image.resize((round(image.width * factor), round(image.height * factor)), Image.Resampling.BILINEAR)


def jpeg(image: Image.Image, quality: int = 72) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def tiff(images: list[Image.Image]) -> bytes:
    out = io.BytesIO()
    images[0].save(out, format="TIFF", compression="tiff_deflate", save_all=True, append_images=images[1:])
    return out.getvalue()


def heic(image: Image.Image, quality: int = 60) -> bytes:
    """An iPhone's HEIC photo, encoded by Debian's `heif-enc` (libheif-examples, scripts/setup)."""
    with tempfile.TemporaryDirectory(prefix="scans-heic-") as folder:
        source, target = Path(folder, "page.jpg"), Path(folder, "page.heic")
        source.write_bytes(jpeg(image, quality=90))
        subprocess.run(["heif-enc", "-q", str(quality), "-o", str(target), str(source)], check=True,
                       capture_output=True)
        return target.read_bytes()


def tiff_bomb(width: int, height: int) -> bytes:
    """A TIFF of a few hundred bytes whose header declares a `width` x `height` canvas: a decompression bomb."""
    out = io.BytesIO()
    Image.new("1", (64, 64), 1).save(out, format="TIFF", compression="group4")
    data = bytearray(out.getvalue())
    (ifd,) = struct.unpack_from("<I", data, 4)
    (entries,) = struct.unpack_from("<H", data, ifd)
    for index in range(entries):
        at = ifd + 2 + 12 * index
        (tag,) = struct.unpack_from("<H", data, at)
        if tag in (256, 257):  # ImageWidth, ImageLength: written as LONG whatever type they had
            struct.pack_into("<HHII", data, at, tag, 4, 1, width if tag == 256 else height)
    return bytes(data)


def png_bomb(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes whose header declares a `width` x `height` canvas."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) \
        + chunk(b"IEND", b"")


def with_page_image_declared(pdf: bytes, width: int, height: int) -> bytes:
    """A scanner's PDF whose page image declares another size than its stream holds (a bomb's header)."""
    out = re.sub(rb"/Width \d+", f"/Width {width}".encode(), pdf, count=1)
    return re.sub(rb"/Height \d+", f"/Height {height}".encode(), out, count=1)


def image_pdf(images: list[Image.Image], quality: int = 60, created: datetime = SCANNED) -> bytes:
    """A scanner's PDF: one JPEG per page and no text layer."""
    out = io.BytesIO()
    pages = [image.convert("L") for image in images]
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=150, quality=quality,
                  creationDate=created.utctimetuple(), modDate=created.utctimetuple())
    return out.getvalue()


# ---------------------------------------------------------------- what applicants scan

TAX_CERTIFICATE = [
    "ROYAUME DU MAROC", "Ministère de l'Économie et des Finances", "Direction Générale des Impôts",
    "ATTESTATION DE RÉGULARITÉ FISCALE", "Le receveur de l'administration fiscale certifie que",
    "la société Atlas Conseil SARL, identifiant fiscal 45872210,", "est en situation fiscale régulière.",
    "Fait à Rabat, le 2 mai 2026",
]
CIN_FRONT = [
    "ROYAUME DU MAROC", "المملكة المغربية", "CARTE NATIONALE D'IDENTITE", "البطاقة الوطنية للتعريف",
    "AMINA EL ALAOUI", "Née le 12.03.1990 à Fès", "Valable jusqu'au 14.09.2031", "N° BE 784512",
]
CIN_ARABIC = [
    "المملكة المغربية", "البطاقة الوطنية للتعريف", "الاسم: أمينة", "النسب: العلوي", "تاريخ الازدياد 12.03.1990",
    "مكان الازدياد: فاس", "صالحة إلى غاية 14.09.2031",
]
PASSPORT = [
    "ROYAUME DU MAROC  KINGDOM OF MOROCCO", "PASSEPORT  PASSPORT", "Type P   Code MAR   N° TX1234567",
    "Nom / Surname: EL ALAOUI", "Prénoms / Given names: AMINA", "Nationalité / Nationality: MAROCAINE",
    "Date de naissance / Date of birth: 12 MAR 1990", "Lieu de naissance / Place of birth: FES",
    "Date de délivrance / Date of issue: 02 JAN 2024", "Date d'expiration / Date of expiry: 01 JAN 2029",
]
CODE_OF_CONDUCT = [
    "CODE DE CONDUITE DES PERSONNES NON-STAFF", "Je m'engage à respecter le code de conduite",
    "et à prévenir toute exploitation et abus sexuels (PSEA).", "Safeguarding : je signale tout manquement.",
    "Lu et approuvé, signé à Casablanca", "le 3 mai 2026",
]
FINANCIAL_OFFER = [
    "OFFRE FINANCIÈRE", "Bordereau des prix - détail estimatif", "Honoraires consultant : 45 jours",
    "Taux journalier : 3 500 MAD", "Prix total HT : 157 500 MAD", "TVA 20 % : 31 500 MAD",
    "Total TTC : 189 000 MAD",
]
CV = [
    "CURRICULUM VITAE", "Amina El Alaoui, consultante", "Expérience professionnelle",
    "2019-2025 : chargée de suivi-évaluation, Rabat", "Formation académique",
    "Master en sciences sociales, Université Mohammed V", "Compétences : enquêtes, rédaction, animation",
    "Langues : arabe, français, anglais",
]
COVER_LETTER = [
    "Madame, Monsieur,", "J'ai l'honneur de vous adresser ma candidature", "au poste de chargée de projet.",
    "Je vous prie d'agréer, Madame, Monsieur,", "mes salutations distinguées.", "Amina El Alaoui",
]


def corpus() -> list[tuple[str, bytes, str]]:
    """Scans as applicants send them: (name a phone or scanner app gives, bytes, the kind a person would say).
    Rotated, Arabic, low resolution, multi-page image PDF, TIFF; used by tests/test_ocr.py and benchmarks/ocr.py."""
    return [
        ("WhatsApp Image 2026-05-03 at 10.15.22.jpeg", jpeg(page(TAX_CERTIFICATE)), "tax_certificate"),
        ("IMG_20260503_101522.jpg", jpeg(turned(page(TAX_CERTIFICATE, seed=2), 90)), "tax_certificate"),
        ("IMG_20260503_101530.jpg", jpeg(turned(page(CIN_FRONT, seed=3), 270)), "identity_document"),
        ("WhatsApp Image 2026-05-03 at 10.16.01.jpeg", jpeg(turned(page(CIN_ARABIC), 180)), "identity_document"),
        ("IMG_20260503_101544.png", png(page(PASSPORT, font_size=30)), "identity_document"),
        ("CamScanner 05-03-2026 10.15.pdf", image_pdf([page(CODE_OF_CONDUCT), page(["Page 2"])]), "code_of_conduct"),
        ("scan0001.pdf", image_pdf([page(FINANCIAL_OFFER, seed=4)]), "financial_offer"),
        ("WhatsApp Image 2026-05-03 at 10.17.12.jpeg", jpeg(smaller(page(CV, seed=5), 0.55), 60), "cv"),
        ("scan0002.tif", tiff([page(COVER_LETTER, seed=6)]), "cover_letter"),
    ]
