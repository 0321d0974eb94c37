"""Read the first pages of text out of a document's bytes: PDF, Word, OpenDocument, Excel, plain text.

Each reader takes bytes and returns a plain `Extracted` value and never raises, so the whole step can later
move into a sandboxed subprocess with time and memory limits without changing its callers. Parsers of hostile
files are where crashes and slowness live: that is why this code is kept apart from everything else.
"""

from __future__ import annotations

import html
import io
import logging
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeTree
from pypdf import PageObject, PasswordType, PdfReader
from pypdf.generic import DictionaryObject, PdfObject

from inbox_bot.core.reasons import Reason, ReasonCode, reason

# What was read from a file is kept by its hash and this version (storage.readings) and read again from there:
# change it whenever the text the readers give changes (a new OCR engine or setting is another version).
EXTRACTOR = "text-2+ocr-1"  # text-2: page boundaries kept, combined PDFs read beyond their first pages
MAX_PAGES = 3  # the first pages tell what a document is...
# ...but a combined file holds more documents after them (a price table after the method, a letter after a CV,
# a whole dossier scanned into one PDF): a longer attachment is read at its start, its end and evenly in
# between, never more than PAGES_READ pages, so a 300-page file costs what a 12-page one does.
TAIL_PAGES = 4
PAGES_READ = 12
MAX_CHARS = 20_000
MAX_PAGE_CHARS = 6_000  # one page of an attachment: a title and a few paragraphs tell its kind
# Between two pages of the text: classify.py reads each page apart, and a page not read stays empty, so the
# n-th piece is always page n.
PAGE_BREAK = "\f"
MAX_PAGE_INDEX = 1_000  # past this many pages only the first are read: a page count is not worth a megabyte
MAX_TEXT = MAX_PAGE_CHARS * PAGES_READ + MAX_PAGE_INDEX  # the longest text an attachment's reader returns
MAX_XML_BYTES = 20 * 1024 * 1024  # one XML part of an ODT/XLSX; a real one is far smaller
OCR_DONE = "lu par OCR"  # how the note of every OCR reading that ran starts: such a reading is kept, never redone
# a PDF without page images: OCR has nothing to read, and never will (kept like a reading that ran)
NO_PAGE_IMAGE = "no page image to read by OCR"
MIN_LETTERS = 80  # below this, a PDF's text layer is a scan's watermark at most: the pages are read by OCR
MAX_PAGE_PIXELS = 250_000_000  # an image a page declares larger than this is not decoded (a bomb)

# pypdf logs every oddity of real-world PDFs; with no logging configured Python would print them all on
# stderr. A NullHandler keeps them out of the CLI's output yet lets an application that configures logging
# still see them.
logging.getLogger("pypdf").addHandler(logging.NullHandler())

_ODF_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_WORD = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_XLSX = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


class OcrRefused(Exception):
    """An image is over a limit or cannot be decoded: nothing of it is read by OCR, and this says why."""


@dataclass(frozen=True)
class Limits:
    """How much to read. An attachment's first pages tell what it is; a call for applications is read whole."""

    pages: int = MAX_PAGES
    chars: int = MAX_CHARS
    spread: bool = False  # a longer PDF read at its start, its end and between, rather than its first pages
    page_chars: int | None = None  # one PDF page's share, when `spread`


ATTACHMENT = Limits(pages=MAX_PAGES, chars=MAX_CHARS, page_chars=MAX_PAGE_CHARS)
# A PDF whose name does not say one kind ("Candidature complète.pdf", "Offre technique et financière.pdf",
# "doc.pdf") may be several documents: read at its start, its end and between (family "pdf_combined").
COMBINED = Limits(pages=PAGES_READ, chars=MAX_CHARS, spread=True, page_chars=MAX_PAGE_CHARS)


@dataclass(frozen=True)
class Extracted:
    text: str = ""
    pages: int | None = None
    problem: Reason | None = None
    ocr: str | None = None  # set when OCR was tried: "lu par OCR (2 pages)", or why it read nothing


def extract_text(family: str, data: bytes | BinaryIO, limits: Limits = ATTACHMENT, *,
                 ocr_until: float | None = None) -> Extracted:
    """Text of a file whose structure has already been checked to be `family` (pdf, docx, odt, xlsx, text,
    image, heic). With `ocr_until` (a time.monotonic() deadline), images and PDFs without a usable text layer are
    read by OCR until then; without it, they give what their text layer holds (images: nothing).

    A large PDF may come as an open file (the sandbox worker's, given a path): pypdf reads what it needs of it,
    and the file is never held whole. Any other family is read whole."""
    if family == "pdf_combined":
        family, limits = "pdf", COMBINED
    if family == "pdf":
        extracted = extract_pdf(data, limits)
        if ocr_until is not None and extracted.problem is None and not usable(extracted.text):
            return _ocr_pdf(data, extracted, ocr_until)
        return extracted
    whole = data if isinstance(data, bytes) else data.read()
    if family in ("image", "heic"):
        return _ocr_image(whole, ocr_until, heic=family == "heic") if ocr_until is not None else Extracted()
    reader = _READERS.get(family)
    return reader(whole, limits) if reader is not None else Extracted()


def usable(text: str) -> bool:
    """Whether a text layer says enough to classify by: a scan often carries a few words of its own (a scanner
    app's watermark, a page number) that are not the document."""
    letters = 0
    for char in text:  # a document's text has enough within a line or two: no need to count them all
        if char.isalpha():
            letters += 1
            if letters >= MIN_LETTERS:
                return True
    return False


def _short(error: BaseException) -> str:
    if isinstance(error, MemoryError):  # in the sandbox worker, RLIMIT_AS turns a memory bomb into this
        return "memory limit reached"
    if isinstance(error, RecursionError):
        return "structure nested too deep"
    message = " ".join(str(error).split()) or type(error).__name__
    return message[:80]


def _cap(parts: list[str], chars: int = MAX_CHARS) -> str:
    kept = (part for part in parts if part.strip() or PAGE_BREAK in part)  # str.strip() drops a lone page break
    return "\n".join(kept)[:chars].replace("\x00", "")


# ---------------------------------------------------------------- PDF


def extract_pdf(data: bytes | BinaryIO, limits: Limits = ATTACHMENT) -> Extracted:
    # pypdf warns about every oddity of real-world PDFs; they say nothing to the operator and, under a
    # warnings-as-errors policy, would turn a readable file into a crash.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(_pdf_stream(data), strict=False)
            if reader.is_encrypted and not _opens_without_password(reader):
                return Extracted(problem=reason(ReasonCode.PASSWORD_PROTECTED))
            pages = len(reader.pages)
            if limits.page_chars is None:  # a call's text, read whole: no pages to tell apart
                texts = [page.extract_text() or "" for page in reader.pages[: limits.pages]]
                return Extracted(text=_cap(texts, limits.chars), pages=pages)
            read = _pages_read(pages, limits.pages) if limits.spread else set(range(min(pages, limits.pages)))
            texts = [reader.pages[number].extract_text() or "" if number in read else ""
                     for number in range(min(pages, MAX_PAGE_INDEX))]
        except Exception as error:  # a parser of hostile bytes can fail in any way: report, never crash
            return Extracted(problem=reason(ReasonCode.UNREADABLE_FILE, detail=f"PDF: {_short(error)}"))
    return Extracted(text=_cap_pages(texts, limits), pages=pages)


def _pdf_stream(data: bytes | BinaryIO) -> BinaryIO:
    """The file as pypdf reads it, without a copy: pypdf asks a stream that has `getbuffer` for it, which makes a
    BytesIO copy the bytes it shares (17 MB more in the worker for a 17 MB scan); through a BufferedReader,
    pypdf seeks to learn the size instead. An open file is read from its start (a second reader reads it again)."""
    if not isinstance(data, bytes):
        data.seek(0)
        return data
    return io.BufferedReader(io.BytesIO(data))


def _pages_read(count: int, budget: int) -> set[int]:
    """Which pages (0-based) of a `count`-page PDF are read: all of a short one; else the first, the last and
    evenly spaced ones between them, `budget` in all."""
    if count <= budget:
        return set(range(count))
    if count > MAX_PAGE_INDEX:
        return set(range(min(budget, MAX_PAGES)))
    tail = min(TAIL_PAGES, budget // 3)
    head = budget - 2 * tail  # as many first pages as last ones and middle ones
    step = (count - head - tail) / (tail + 1)
    return {*range(head), *(head + round(step * (k + 1)) for k in range(tail)), *range(count - tail, count)}


def _cap_pages(pages: list[str], limits: Limits) -> str:
    """Pages joined by PAGE_BREAK, each cut to its share; no break character left inside a page."""
    share = limits.page_chars or limits.chars
    text = PAGE_BREAK.join(page.replace(PAGE_BREAK, " ").replace("\x00", "")[:share] for page in pages)
    return text[: max(limits.chars, share * limits.pages) + MAX_PAGE_INDEX]


def _ocr_pdf(data: bytes | BinaryIO, layer: Extracted, until: float) -> Extracted:
    """A scanned PDF: the largest image of each of its first pages, read by OCR, after any text layer."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(_pdf_stream(data), strict=False)
            if reader.is_encrypted:
                _opens_without_password(reader)
            pictures = [_page_picture(page) for page in reader.pages[:MAX_PAGES]]
        except OcrRefused as refused:
            return Extracted(text=layer.text, pages=layer.pages, ocr=str(refused))
        except Exception as error:
            return Extracted(text=layer.text, pages=layer.pages, ocr=f"page images not read: {_short(error)}")
    from inbox_bot.triage import ocr  # here, not on top: Pillow loads in the worker only, never in the daemon

    found = [picture for picture in pictures if picture is not None]
    if not found:
        return Extracted(text=layer.text, pages=layer.pages, ocr=NO_PAGE_IMAGE)
    read = ocr.read_pictures(found, until, total=layer.pages)
    if not read.pages:
        return Extracted(text=layer.text, pages=layer.pages, ocr=read.note or NO_PAGE_IMAGE)
    return Extracted(text=_cap([read.text, layer.text]), pages=layer.pages, ocr=read.note)


def _page_picture(page: PageObject) -> object | None:
    """The page's largest image (a scanner or phone app puts one per page), decoded; None if it has none."""
    resources = _resolved(page.get("/Resources"))
    xobjects = _resolved(resources.get("/XObject")) if isinstance(resources, DictionaryObject) else None
    if not isinstance(xobjects, DictionaryObject):
        return None
    sizes = {}
    for name, reference in xobjects.items():
        xobject = reference.get_object()
        if isinstance(xobject, DictionaryObject) and xobject.get("/Subtype") == "/Image":
            sizes[name] = int(xobject.get("/Width", 0)) * int(xobject.get("/Height", 0))
    if not sizes:
        return None
    name = max(sizes, key=lambda key: sizes[key])
    if sizes[name] > MAX_PAGE_PIXELS:  # checked before pypdf inflates a single pixel
        raise OcrRefused(f"page image of {sizes[name] / 1e6:.0f} megapixels over the OCR limit: not read")
    picture: object = page.images[name].image
    return picture


def _resolved(value: object) -> object:
    return value.get_object() if isinstance(value, PdfObject) else value


def _ocr_image(data: bytes, until: float, *, heic: bool = False) -> Extracted:
    from inbox_bot.triage import ocr  # here, not on top: Pillow loads in the worker only, never in the daemon

    read = ocr.read_heic(data, until) if heic else ocr.read_image(data, until)
    return Extracted(text=_cap([read.text]), pages=read.pages or None, ocr=read.note)


def _opens_without_password(reader: PdfReader) -> bool:
    # Many PDFs are encrypted only to restrict printing or copying: they open with the empty password.
    try:
        return reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except Exception:  # e.g. AES without a crypto library: as unreadable as a real password
        return False


# ---------------------------------------------------------------- Word


def extract_docx(data: bytes, limits: Limits = ATTACHMENT) -> Extracted:
    # The text is in word/document.xml, paragraph by paragraph (table cells hold paragraphs too): read it as we
    # read ODT. python-docx loads every part of the package (styles, numbering, images) to give the same words,
    # eight times slower (docs/benchmarks.md).
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            root = _parse(_read_part(archive, "word/document.xml"))
        paragraphs = list(root.iter(f"{_WORD}p"))
        # A text box is a paragraph inside a paragraph: read once, with the paragraph that holds it.
        nested = {id(inner) for outer in paragraphs for inner in outer.iter(f"{_WORD}p") if inner is not outer}
        parts = [_word_text(paragraph) for paragraph in paragraphs if id(paragraph) not in nested]
    except Exception as error:
        return Extracted(problem=reason(ReasonCode.UNREADABLE_FILE, detail=f"Word file: {_short(error)}"))
    return Extracted(text=_cap(parts, limits.chars))


def _word_text(paragraph: Element) -> str:
    """A paragraph's runs, with its tabs and breaks, and the paragraphs of any text box inside it."""
    out = []
    for element in paragraph.iter():
        if element.tag == f"{_WORD}t":
            out.append(element.text or "")
        elif element.tag == f"{_WORD}tab":
            out.append("\t")
        elif element.tag == f"{_WORD}br" and element.get(f"{_WORD}type") == "page":
            out.append(PAGE_BREAK)  # a page break typed by hand: where one document of a combined file ends
        elif element.tag in (f"{_WORD}br", f"{_WORD}cr", f"{_WORD}p") and element is not paragraph:
            out.append("\n")
    return "".join(out)


# ---------------------------------------------------------------- OpenDocument


def extract_odt(data: bytes, limits: Limits = ATTACHMENT) -> Extracted:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            root = _parse(_read_part(archive, "content.xml"))
        parts = [
            _odf_text(element)
            for element in root.iter()
            if element.tag in (f"{_ODF_TEXT}p", f"{_ODF_TEXT}h")
        ]
    except Exception as error:
        return Extracted(problem=reason(ReasonCode.UNREADABLE_FILE, detail=f"OpenDocument file: {_short(error)}"))
    return Extracted(text=_cap(parts, limits.chars))


def _odf_text(element: Element) -> str:
    # ODF writes runs of spaces, tabs and line breaks as elements: itertext() would glue words together.
    out = [element.text or ""]
    for child in element:
        if child.tag in (f"{_ODF_TEXT}s", f"{_ODF_TEXT}tab", f"{_ODF_TEXT}line-break"):
            out.append(" ")
        elif child.tag not in (f"{_ODF_TEXT}p", f"{_ODF_TEXT}h"):  # nested ones are read on their own
            out.append(_odf_text(child))
        out.append(child.tail or "")
    return "".join(out)


# ---------------------------------------------------------------- Excel


def extract_xlsx(data: bytes, limits: Limits = ATTACHMENT) -> Extracted:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            shared = _shared_strings(archive) if "xl/sharedStrings.xml" in names else []
            sheets = sorted(
                (name for name in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name)),
                key=lambda name: int(re.sub(r"\D", "", name)),
            )
            parts: list[str] = []
            for name in sheets[: limits.pages]:
                parts.extend(_sheet_rows(_parse(_read_part(archive, name)), shared))
    except Exception as error:
        return Extracted(problem=reason(ReasonCode.UNREADABLE_FILE, detail=f"Excel file: {_short(error)}"))
    return Extracted(text=_cap(parts, limits.chars))


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    root = _parse(_read_part(archive, "xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in item.iter(f"{_XLSX}t")) for item in root.iter(f"{_XLSX}si")]


def _sheet_rows(root: Element, shared: list[str]) -> list[str]:
    rows = []
    for row in root.iter(f"{_XLSX}row"):
        cells = [_cell_text(cell, shared) for cell in row.iter(f"{_XLSX}c")]
        rows.append("\t".join(cell for cell in cells if cell))
    return rows


def _cell_text(cell: Element, shared: list[str]) -> str:
    kind = cell.get("t")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{_XLSX}t"))
    value = cell.findtext(f"{_XLSX}v") or ""
    if kind == "s":
        index = int(value)
        return shared[index] if 0 <= index < len(shared) else ""
    return value


# ---------------------------------------------------------------- shared XML helpers


def _read_part(archive: zipfile.ZipFile, name: str) -> bytes:
    # zipfile never inflates past the declared size; the declared size is what we bound here.
    if archive.getinfo(name).file_size > MAX_XML_BYTES:
        raise ValueError(f"{name} is larger than {MAX_XML_BYTES // (1024 * 1024)} MB")
    return archive.read(name)


def _parse(xml: bytes) -> Element:
    # defusedxml refuses entity expansion (billion laughs) and external entities
    root: Element = SafeTree.fromstring(xml)
    return root


# ---------------------------------------------------------------- plain text


def extract_plain(data: bytes, limits: Limits = ATTACHMENT) -> Extracted:
    head = data[: limits.chars * 4]
    text = _decode(head)
    if re.search(r"<(!doctype\s+html|html|body)\b", text[:2048], re.IGNORECASE):
        text = html.unescape(_TAG.sub(" ", _without_scripts(text)))
    return Extracted(text=_cap([text], limits.chars))


# "<[^<>]*>", not "<[^>]+>": a run of "<" without ">" must not be rescanned from each "<" (quadratic time)
_TAG = re.compile(r"<[^<>]*>")
_HIDDEN = re.compile(r"<(script|style)\b", re.IGNORECASE)
_HIDDEN_END = {"script": re.compile(r"</script\s*>", re.IGNORECASE), "style": re.compile(r"</style\s*>", re.IGNORECASE)}


def _without_scripts(text: str) -> str:
    """HTML without its script and style blocks, in one forward pass: an unclosed one hides the rest."""
    kept, pos = [], 0
    while (start := _HIDDEN.search(text, pos)) is not None:
        kept.append(text[pos:start.start()])
        end = _HIDDEN_END[start.group(1).lower()].search(text, start.end())
        if end is None:
            return " ".join(kept)
        pos = end.end()
    kept.append(text[pos:])
    return " ".join(kept)


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start > len(data) - 4:  # only the cut at MAX_CHARS split a character
            return data[: error.start].decode("utf-8-sig")
    # French mail clients on Windows still write Windows-1252; this never fails, at worst it garbles
    return data.decode("cp1252", errors="replace")


_READERS: dict[str, Callable[[bytes, Limits], Extracted]] = {
    "pdf": extract_pdf,
    "docx": extract_docx,
    "odt": extract_odt,
    "xlsx": extract_xlsx,
    "text": extract_plain,
}
