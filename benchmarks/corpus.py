"""A realistic, deterministic corpus of application mails for the benchmarks.

The mails are what the OMP inbox (omdp.direction.2@gmail.com, two calls at one address) receives: applications
with real PDF and DOCX files, from born-digital one-pagers to phone scans of several megabytes, some zipped,
some incomplete and completed by a second mail, plus the noise of a real inbox (questions, newsletters,
auto-replies). Same seed, same bytes.

Building thousands of mails must take seconds, not minutes, so documents are made once per
(kind, format, size bucket, variant) and each mail gets its own copy by a harmless change of bytes (a PDF
comment after %%EOF, a ZIP archive comment): every attachment is unique, as applicants' files are, and the
store cannot save work by finding it already on disk. MIME is assembled here the way Gmail writes it, with the
standard library's fast base64, because the email package's generator costs about 40 ms per megabyte.
"""

from __future__ import annotations

import base64
import hashlib
import io
import quopri
import random
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, formataddr
from typing import Literal

from fpdf import FPDF
from PIL import Image

from tests.mailbuilder import FIXED_DATE, encoded_subject, make_docx, pdf_safe, rezip
from tests.scans import image_pdf, jpeg, page, smaller

Format = Literal["pdf", "docx"]

ADDRESS = "omdp.direction.2@gmail.com"
OFFICER_CALL = "omp-charge-projet-2026"
FIRM_CALL = "omp-cabinet-2026"
OFFICER_SUBJECT = "Candidature_chargé(e) de projet_OMP"
FIRM_SUBJECT = "Candidature_ Consultation_Cabinet_Projet OMP"
FIRST_RECEIVED = datetime(2026, 4, 6, 8, 0, tzinfo=UTC)

# Size of what a document carries besides its text: nothing (exported from Word), a photo or a logo, a scanned
# page, a multi-page scan at phone resolution. (bucket, share of documents, bytes of image).
SIZE_BUCKETS: tuple[tuple[str, float, int], ...] = (
    ("plain", 0.45, 0),
    ("photo", 0.35, 60_000),
    ("scan", 0.16, 550_000),
    ("heavy", 0.04, 2_400_000),
)
VARIANTS = 3  # documents made per (kind, format, bucket): sizes vary within a bucket
BASE64_LINE = 57  # input bytes per 76-character line of base64
JPEG_BYTES_PER_PIXEL = 0.67  # what quality-85 JPEG makes of grey noise (measured)

# The words each kind of document really uses (see inbox_bot.triage.classify), then filler.
DOCUMENT_TEXT: dict[str, tuple[str, ...]] = {
    "cv": (
        "# CURRICULUM VITAE",
        "Expérience professionnelle",
        "2021-2025 : Chargée de projet, association de défense des droits des détenus, Rabat",
        "Formation académique",
        "Master en droits de l'homme, Université Mohammed V",
        "Compétences : gestion de projet, suivi-évaluation, plaidoyer",
        "Langues : arabe, français, anglais",
    ),
    "cover_letter": (
        "# Lettre de motivation",
        "Madame, Monsieur,",
        "J'ai l'honneur de vous présenter ma candidature au poste de chargé(e) de projet.",
        "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées.",
    ),
    "references": (
        "# Liste des références professionnelles",
        "Référents : trois responsables de projets associatifs",
        "Lettre de recommandation de la présidente de l'association",
    ),
    "methodology_note": (
        "# Note méthodologique",
        "Compréhension de la mission et approche méthodologique",
        "Plan de travail et chronogramme des livrables",
    ),
    "financial_offer": (
        "# Offre financière",
        "Bordereau des prix : prix unitaire, quantité, montant",
        "Total HT : 180 000,00 MAD - TVA 20 % - Total TTC : 216 000,00 MAD",
    ),
    "administrative_file": (
        "# Dossier administratif",
        "Registre de commerce, attestation CNSS, statuts et procès-verbal",
    ),
}
FILENAMES: dict[str, tuple[str, ...]] = {
    "cv": ("CV_{last}_{first}", "CV", "Curriculum_Vitae_{first}_{last}", "cv_{last}"),
    "cover_letter": ("Lettre_de_motivation", "LM_{last}", "Lettre_motivation_{first}_{last}"),
    "references": ("References", "Liste_references_{last}", "Recommandations"),
    "methodology_note": ("Note_methodologique", "Offre_technique_{last}"),
    "financial_offer": ("Offre_financiere", "Offre_financiere_{last}"),
    "administrative_file": ("Dossier_administratif", "Dossier_admin_{last}"),
}
FILLER = (
    "accompagnement des personnes détenues vulnérables et de leurs familles dans le cadre du programme",
    "coordination des partenaires institutionnels et associatifs, rédaction des rapports narratifs",
    "organisation d'ateliers de formation, animation de réunions et suivi des indicateurs du projet",
    "gestion budgétaire, suivi des dépenses, préparation des rapports financiers destinés aux bailleurs",
    "plaidoyer pour l'amélioration des conditions de détention et la réinsertion des anciens détenus",
)
FIRST_NAMES = ("Karim", "Salma", "Youssef", "Imane", "Hamza", "Khadija", "Omar", "Zineb", "Mehdi", "Nadia",
               "Anas", "Sanae", "Reda", "Houda", "Yassine", "Meryem", "Ayoub", "Fatima-Zahra", "Ilyas", "Ghita")
LAST_NAMES = ("Alaoui", "Bennani", "El Idrissi", "Tazi", "Berrada", "Chraibi", "El Amrani", "Benjelloun",
              "Ouazzani", "Fassi", "Lahlou", "Skalli", "Kettani", "Bouzidi", "Mansouri", "Haddad")

# Who writes to the inbox, and how often (share of mails).
SCENARIOS: tuple[tuple[str, float], ...] = (
    ("officer_complete", 0.55),
    ("officer_incomplete", 0.14),
    ("officer_zip", 0.05),
    ("firm_complete", 0.12),
    ("question", 0.06),
    ("newsletter", 0.04),
    ("auto_reply", 0.04),
)


@dataclass
class CorpusStats:
    mails: int = 0
    bytes: int = 0
    documents: int = 0
    scenarios: dict[str, int] = field(default_factory=dict)
    scans: int = 0  # documents sent as phone photos or scanner PDFs without a text layer: OCR must read them


# The scanned variant (issue #17): of the complete officer applications, this share sends the cover letter as a
# phone photo and the references as a scanner app's PDF, both named as the phone names them.
SCAN_NAMES = {"cover_letter": "WhatsApp Image 2026-04-{day:02d} at 10.{minute:02d}.22.jpeg",
              "references": "CamScanner 04-{day:02d}-2026 10.{minute:02d}.pdf"}
SCAN_VARIANTS = 2  # pages drawn per kind (a page costs a third of a second to draw): each mail gets its own copy


# ---------------------------------------------------------------- documents


class DocumentCache:
    """Documents made once per (kind, format, bucket, variant), images once per (bucket, variant)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._images: dict[tuple[str, int], bytes] = {}
        self._documents: dict[tuple[str, str, str, int], bytes] = {}  # (kind, format or "scan", bucket, variant)
        self._encoded: dict[tuple[str, Format, str, int], bytes] = {}

    def document(self, kind: str, fmt: Format, bucket: str, variant: int) -> bytes:
        key = (kind, fmt, bucket, variant)
        if key not in self._documents:
            lines = _document_lines(kind, random.Random(f"{self.seed}-{key}"))
            image = self._image(bucket, variant)
            self._documents[key] = _pdf(lines, image) if fmt == "pdf" else _docx(lines, image)
        return self._documents[key]

    def personalised(self, kind: str, fmt: Format, bucket: str, variant: int, token: str) -> Attached:
        """A unique copy of a document, with its base64 mostly taken from the cache.

        Base64 turns each 57-byte line of input into one 76-character line, and personalising only changes
        the end of the bytes: the lines before the change are the same for every copy.
        """
        key = (kind, fmt, bucket, variant)
        data = self.document(*key)
        unchanged = len(data) if fmt == "pdf" else len(data) - 2  # a ZIP changes from its comment length on
        cut = unchanged - unchanged % BASE64_LINE
        if key not in self._encoded:
            self._encoded[key] = base64_lines(data[:cut])
        copy = personalise(data, fmt, token)
        return Attached("", MIMES[fmt], copy, self._encoded[key] + base64_lines(copy[cut:]))

    def scan(self, kind: str, variant: int, token: str) -> Attached:
        """A unique copy of a phone's scan of this kind: a JPEG photo (cover letter) or an image-only PDF."""
        key = (kind, "scan", "scan", variant)
        if key not in self._documents:
            lines = [line.removeprefix("# ") for line in DOCUMENT_TEXT[kind]]
            drawn = smaller(page(lines, seed=variant + 1), 0.8)
            self._documents[key] = jpeg(drawn, 70) if kind == "cover_letter" else image_pdf([drawn], 60)
        data = self._documents[key]
        if kind == "cover_letter":  # bytes after a JPEG's end marker are ignored by every reader
            return Attached("", "image/jpeg", data + f" {token}".encode("ascii"))
        return Attached("", MIMES["pdf"], personalise(data, "pdf", token))

    def _image(self, bucket: str, variant: int) -> bytes | None:
        target = dict((name, size) for name, _, size in SIZE_BUCKETS)[bucket]
        if target == 0:
            return None
        key = (bucket, variant)
        if key not in self._images:
            # Sizes spread over 0.7x to 1.3x of the bucket, so no two variants weigh the same.
            scale = 0.7 + 0.6 * variant / max(1, VARIANTS - 1)
            self._images[key] = noise_jpeg(int(target * scale), random.Random(f"{self.seed}-img-{key}"))
        return self._images[key]


def noise_jpeg(size: int, rng: random.Random) -> bytes:
    """A JPEG of about `size` bytes: grey noise, which compresses as badly as a phone photo of paper."""
    side = max(16, int((size / JPEG_BYTES_PER_PIXEL) ** 0.5))
    image = Image.frombytes("L", (side, side), rng.randbytes(side * side))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _document_lines(kind: str, rng: random.Random) -> list[str]:
    # Methodology notes run to many pages; extraction reads only the first ones, as it should.
    paragraphs = rng.randint(8, 60) if kind == "methodology_note" else rng.randint(4, 20)
    return [*DOCUMENT_TEXT[kind], *(rng.choice(FILLER) for _ in range(paragraphs))]


def _pdf(lines: Sequence[str], image: bytes | None) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)  # else fpdf2 stamps the current time: the corpus must not change
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_font("helvetica", size=10.5)
    for line in lines:
        pdf.multi_cell(0, 5.5, pdf_safe(line.removeprefix("# ")), new_x="LMARGIN", new_y="NEXT")
    if image is not None:
        pdf.add_page()
        pdf.image(io.BytesIO(image), x=10, y=10, w=190)
    return bytes(pdf.output())


def _docx(lines: Sequence[str], image: bytes | None) -> bytes:
    data = make_docx(lines)
    if image is None:
        return data
    import docx  # python-docx: make_docx has no picture option

    document = docx.Document(io.BytesIO(data))
    document.add_picture(io.BytesIO(image))
    out = io.BytesIO()
    document.save(out)
    return rezip(out.getvalue())


def base64_lines(data: bytes) -> bytes:
    """Base64 in 76-character CRLF lines, as mail clients write attachments."""
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def personalise(data: bytes, fmt: Format, token: str) -> bytes:
    """The same document with different bytes: readers ignore a PDF comment after %%EOF and a ZIP comment."""
    if fmt == "pdf":
        return data + f"% {token}\n".encode("ascii")
    return zip_with_comment(data, token.encode("ascii"))


def fast_zip(members: Sequence[tuple[str, bytes]]) -> bytes:
    """A deflated ZIP with fixed timestamps, at the fastest level: scans barely compress, whatever the level."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2026, 4, 1, 9, 0, 0))
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    return out.getvalue()


def zip_with_comment(data: bytes, comment: bytes) -> bytes:
    """Set the archive comment (end of central directory record, which has none in our documents)."""
    end = data.rfind(b"PK\x05\x06")
    if end < 0 or len(data) - end != 22:
        raise ValueError("expected a ZIP ending with a comment-less end of central directory record")
    return data[: end + 20] + struct.pack("<H", len(comment)) + comment


# ---------------------------------------------------------------- one mail


@dataclass(frozen=True)
class Attached:
    filename: str
    mime: str
    data: bytes
    encoded: bytes | None = None  # its base64 lines, when already known


@dataclass(frozen=True)
class Mail:
    sender: tuple[str, str]
    subject: str
    text: str
    received: datetime
    message_id: str
    attachments: Sequence[Attached] = ()
    headers: Sequence[tuple[str, str]] = ()
    html: bool = True


MIMES = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "zip": "application/zip"}


def render(mail: Mail) -> bytes:
    """Raw bytes as Gmail's servers store them: Received on top, multipart/alternative body, base64 files."""
    seed = mail.message_id
    lines = [
        "Received: from mail-wr1-f54.google.com (mail-wr1-f54.google.com [192.0.2.54])\r\n"
        f"        by mx.google.com with ESMTPS id {_token(seed, 'rcv')}\r\n"
        f"        for <{ADDRESS}>;\r\n        {format_datetime(mail.received)}",
        f"From: {formataddr(mail.sender, charset='utf-8')}",
        f"To: {ADDRESS}",
        f"Subject: {encoded_subject(mail.subject)}",
        f"Date: {format_datetime(mail.received - timedelta(seconds=3))}",
        f"Message-ID: {mail.message_id}",
        *(f"{name}: {value}" for name, value in mail.headers),
        "MIME-Version: 1.0",
    ]
    head = "\r\n".join(lines).encode("utf-8") + b"\r\n"
    body = _body_part(mail, _token(seed, "alt"))
    if not mail.attachments:
        return head + body
    outer = f"=_mixed_{_token(seed, 'mix')}"
    chunks = [head, f'Content-Type: multipart/mixed; boundary="{outer}"\r\n\r\n'.encode()]
    for part in (body, *(_attachment_part(a) for a in mail.attachments)):
        chunks += [f"--{outer}\r\n".encode(), part, b"\r\n"]
    chunks.append(f"--{outer}--\r\n".encode())
    return b"".join(chunks)


def _body_part(mail: Mail, boundary: str) -> bytes:
    plain = _text_part("plain", mail.text)
    if not mail.html:
        return plain
    paragraphs = "".join(f"<p>{line}</p>" for line in mail.text.split("\n"))
    html = _text_part("html", f'<div dir="ltr">{paragraphs}</div>')
    return (
        f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n--{boundary}\r\n'.encode()
        + plain + f"\r\n--{boundary}\r\n".encode() + html + f"\r\n--{boundary}--\r\n".encode()
    )


def _text_part(subtype: str, text: str) -> bytes:
    encoded = quopri.encodestring(text.replace("\n", "\r\n").encode("utf-8")).replace(b"\r\r\n", b"\r\n")
    header = f'Content-Type: text/{subtype}; charset="UTF-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
    return header.encode() + encoded


def _attachment_part(item: Attached) -> bytes:
    header = (
        f'Content-Type: {item.mime}; name="{item.filename}"\r\n'
        f'Content-Disposition: attachment; filename="{item.filename}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    )
    return header.encode() + (item.encoded if item.encoded is not None else base64_lines(item.data))


def _token(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]


# ---------------------------------------------------------------- the corpus


def received_at(number: int) -> datetime:
    """When our server received mail `number` of the corpus: one every 7 minutes, well before the deadlines."""
    return FIRST_RECEIVED + timedelta(minutes=7 * number)


class CorpusBuilder:
    """Draws scenarios, people and documents from one seeded generator: same seed, same corpus."""

    def __init__(self, seed: int, scanned: float = 0.0) -> None:
        self.seed = seed
        self.scanned = scanned
        self.rng = random.Random(seed)
        self.documents = DocumentCache(seed)
        self.stats = CorpusStats()
        self._pending: list[Mail] = []  # second mails completing an incomplete dossier

    def build(self, count: int) -> list[bytes]:
        raws = [self._next(number) for number in range(count)]
        self.stats.mails = len(raws)
        self.stats.bytes = sum(map(len, raws))
        return raws

    def _next(self, number: int) -> bytes:
        received = received_at(number)
        if self._pending and self.rng.random() < 0.5:
            mail = self._pending.pop(0)
            self._count("officer_follow_up")
            return render(Mail(mail.sender, mail.subject, mail.text, received, mail.message_id, mail.attachments))
        scenario = self.rng.choices([s for s, _ in SCENARIOS], weights=[w for _, w in SCENARIOS])[0]
        if scenario == "officer_complete" and self.scanned and self.rng.random() < self.scanned:
            scenario = "officer_scanned"
        self._count(scenario)
        return render(getattr(self, f"_{scenario}")(number, received))

    def _count(self, scenario: str) -> None:
        self.stats.scenarios[scenario] = self.stats.scenarios.get(scenario, 0) + 1

    def _person(self, number: int) -> tuple[str, str, tuple[str, str]]:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        address = f"{first}.{last}.{number}".lower().replace(" ", "").replace("-", "") + "@example.ma"
        return first, last, (f"{first} {last}", address)

    def _files(self, kinds: Sequence[str], first: str, last: str, number: int) -> list[Attached]:
        files = []
        for kind in kinds:
            fmt: Format = "pdf" if self.rng.random() < 0.75 else "docx"
            bucket = self.rng.choices([b for b, _, _ in SIZE_BUCKETS], weights=[w for _, w, _ in SIZE_BUCKETS])[0]
            variant = self.rng.randrange(VARIANTS)
            copy = self.documents.personalised(kind, fmt, bucket, variant, f"b{self.seed}-{number}")
            stem = self.rng.choice(FILENAMES[kind]).format(first=first, last=last.replace(" ", "_"))
            files.append(replace(copy, filename=f"{stem}.{fmt}"))
        self.stats.documents += len(files)
        return files

    def _message_id(self, number: int) -> str:
        return f"<bench-{self.seed}-{number}-{_token(self.seed, number)}@mail.gmail.com>"

    def _officer_complete(self, number: int, received: datetime) -> Mail:
        first, last, sender = self._person(number)
        files = self._files(("cv", "cover_letter", "references"), first, last, number)
        text = f"Bonjour,\nVeuillez trouver ci-joint mon dossier de candidature.\nCordialement,\n{sender[0]}"
        return Mail(sender, OFFICER_SUBJECT, text, received, self._message_id(number), files)

    def _officer_scanned(self, number: int, received: datetime) -> Mail:
        """A complete application sent from a phone: the CV as a PDF, the letter and references scanned."""
        first, last, sender = self._person(number)
        files = self._files(("cv",), first, last, number)
        for kind, name in SCAN_NAMES.items():
            scan = self.documents.scan(kind, self.rng.randrange(SCAN_VARIANTS), f"s{self.seed}-{number}")
            day, minute = 1 + number % 28, number % 60
            files.append(replace(scan, filename=name.format(day=day, minute=minute)))
        self.stats.documents += len(SCAN_NAMES)
        self.stats.scans += len(SCAN_NAMES)
        text = f"Bonjour,\nVoici ma candidature, envoyée depuis mon téléphone.\nCordialement,\n{sender[0]}"
        return Mail(sender, OFFICER_SUBJECT, text, received, self._message_id(number), files)

    def _officer_incomplete(self, number: int, received: datetime) -> Mail:
        first, last, sender = self._person(number)
        files = self._files(("cv", "cover_letter"), first, last, number)
        text = f"Bonjour,\nCi-joint mon CV et ma lettre ; les références suivent.\n{sender[0]}"
        if self.rng.random() < 0.6:  # the references come in a second mail, later
            later = self._files(("references",), first, last, number + 1_000_000)
            self._pending.append(Mail(sender, f"RE: {OFFICER_SUBJECT}", "Voici mes références.", received,
                                      self._message_id(number + 1_000_000), later))
        return Mail(sender, OFFICER_SUBJECT, text, received, self._message_id(number), files)

    def _officer_zip(self, number: int, received: datetime) -> Mail:
        first, last, sender = self._person(number)
        files = self._files(("cv", "cover_letter", "references"), first, last, number)
        archive = fast_zip([(f.filename, f.data) for f in files])
        zipped = [Attached(f"Dossier_{last.replace(' ', '_')}.zip", MIMES["zip"], archive)]
        text = f"Bonjour,\nMon dossier complet est dans l'archive jointe.\n{sender[0]}"
        return Mail(sender, OFFICER_SUBJECT, text, received, self._message_id(number), zipped)

    def _firm_complete(self, number: int, received: datetime) -> Mail:
        first, last, sender = self._person(number)
        kinds = ("administrative_file", "methodology_note", "financial_offer", "references", "cv")
        files = self._files(kinds, first, last, number)
        text = "Bonjour,\nNotre cabinet soumet son offre pour la consultation.\nLa direction"
        return Mail(sender, FIRM_SUBJECT, text, received, self._message_id(number), files)

    def _question(self, number: int, received: datetime) -> Mail:
        _, _, sender = self._person(number)
        text = "Bonjour,\nLe poste est-il ouvert aux candidats hors de Rabat ?\nMerci"
        return Mail(sender, "Question sur le recrutement", text, received, self._message_id(number))

    def _newsletter(self, number: int, received: datetime) -> Mail:
        sender = ("Lettre d'information", "news@example.org")
        text = "Les actualités du mois : formations, appels à projets, événements.\n" * 20
        headers = (("List-Unsubscribe", "<mailto:unsubscribe@example.org>"), ("Precedence", "bulk"))
        return Mail(sender, "Notre lettre d'information", text, received, self._message_id(number), (), headers)

    def _auto_reply(self, number: int, received: datetime) -> Mail:
        _, _, sender = self._person(number)
        text = "Je suis absent du bureau et répondrai à votre message à mon retour."
        headers = (("Auto-Submitted", "auto-replied"),)
        subject = f"Réponse automatique : {OFFICER_SUBJECT}"
        return Mail(sender, subject, text, received, self._message_id(number), (), headers, html=False)


def build_corpus(count: int, seed: int, scanned: float = 0.0) -> tuple[list[bytes], CorpusStats]:
    """`count` mails; with `scanned`, that share of the complete officer applications comes from a phone."""
    builder = CorpusBuilder(seed, scanned)
    raws = builder.build(count)
    return raws, builder.stats


def big_mail(size: int, seed: int) -> bytes:
    """One application of about `size` bytes: a CV and a cover letter, and a scanned file that makes the size."""
    builder = CorpusBuilder(seed)
    first, last, sender = builder._person(0)
    files = builder._files(("cv", "cover_letter"), first, last, 0)
    text = "Bonjour,\nVeuillez trouver mon dossier, les références sont scannées.\nCordialement"

    def with_scan(image_bytes: int) -> bytes:
        scan = _pdf(DOCUMENT_TEXT["references"], noise_jpeg(image_bytes, random.Random(seed)))
        attached = [*files, Attached("References_scannees.pdf", MIMES["pdf"], scan)]
        return render(Mail(sender, OFFICER_SUBJECT, text, FIRST_RECEIVED, builder._message_id(0), attached))

    # JPEG sizes are only roughly predictable: a first try, then one correction by the ratio it missed by.
    guess = max(1, (size - sum(len(f.data) for f in files)) * 3 // 4)  # base64 adds a third
    first_try = with_scan(guess)
    return with_scan(max(1, int(guess * size / len(first_try))))


def small_mails(count: int, seed: int) -> list[bytes]:
    """Tiny mails that only fill a folder (the idle-poll measure never reads them)."""
    return [
        render(Mail(("Lecteur", f"reader{n}@example.org"), f"Message {n}", "Bonjour", FIRST_RECEIVED,
                    f"<filler-{seed}-{n}@example.org>", html=False))
        for n in range(count)
    ]


def warm_mail(seed: int) -> bytes:
    """A small application with a PDF and a DOCX: triaging it first loads every reader a big mail needs."""
    builder = CorpusBuilder(seed)
    first, last, sender = builder._person(0)
    cv = builder.documents.personalised("cv", "pdf", "plain", 0, "warm")
    letter = builder.documents.personalised("cover_letter", "docx", "plain", 0, "warm")
    files = [replace(cv, filename="CV.pdf"), replace(letter, filename="Lettre_de_motivation.docx")]
    text = f"Bonjour,\nVoici ma candidature.\n{first} {last}"
    return render(Mail(sender, OFFICER_SUBJECT, text, FIRST_RECEIVED, "<warm-up@example.ma>", files))
