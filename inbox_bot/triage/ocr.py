"""Read the text of scans and photos with Tesseract: the only module that decodes images or runs `tesseract`.

It runs inside the sandboxed extraction worker (inbox_bot.triage.sandbox), so the worker's memory limit bounds
Pillow's decoding; `tesseract` itself is a child process with its own address-space and CPU limits and a
wall-clock timeout, one thread (two shared cores), reading a PGM on stdin: no temporary file, no shell.

HEIC photos are decoded by Debian's libheif (`heif-convert`, a child process under the same kind of limits),
then read as JPEG photos.

Hostile images are bounded before any pixel is decoded: the declared size is checked against the limits (a
TIFF bomb declares a huge canvas in a few bytes), JPEG photos are decoded at a reduced scale (a 60-megapixel
photo costs what a 4-megapixel one does), and only the first pages (TIFF frames, PDF pages) are read.

Orientation: a page is read as it is; if Tesseract is not confident of what it read, its orientation detector
(`--psm 0`) is asked, and failing that (Arabic, little text) the three other rotations are tried and the most
confident reading kept. A photo taken sideways or upside down thus reads.
"""

from __future__ import annotations

import io
import os
import resource
import shutil
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from inbox_bot.triage.extract import OCR_DONE, OcrRefused

MB = 1024 * 1024
MAX_PAGES = 3  # as for text documents: the first pages tell what a document is
LANGUAGES = "fra+ara+eng"
MAX_JPEG_MEGAPIXELS = 250  # decoded at 1/2 to 1/8 scale: the size that matters is the reduced one
MAX_OTHER_MEGAPIXELS = 40  # PNG, TIFF, WebP... decode at full size: 40 MP is 40 MB grey, 120 MB in colour
LONG_SIDE = 3500  # about an A4 page at 300 dpi: more pixels cost time and read no better
MIN_PAGE_PIXELS = 250_000  # a logo, an icon, a signature's banner: no page of a dossier is this small
SHORT_PAGE = 1600  # a small photo of a page: enlarged so its letters reach the size Tesseract reads best
OSD_SIDE = 1000  # pages are shown to the orientation detector at about this size
TESSERACT_MEMORY_MB = 512
# An HEIC photo (an iPhone's) is decoded by Debian's libheif, not Pillow: `heif-convert` from libheif-examples
# (scripts/setup), a child process under limits like tesseract's; 768 MB holds a 48-megapixel photo's planes.
HEIF_CONVERT = "heif-convert"
HEIF_MEMORY_MB = 768
_CONFIDENT = 70.0  # mean word confidence above which a reading is trusted without trying rotations
_MIN_WORDS = 4
_PAPER_MARGIN = 50  # grey levels: lighter than the paper's level less this is taken for paper
_OSD_MIN_CONFIDENCE = 1.5


class _OutOfTime(Exception):
    """The deadline came before tesseract answered: what was read so far is kept, and the note says so."""


@dataclass(frozen=True)
class OcrText:
    text: str = ""
    pages: int = 0  # pages (images) read
    note: str = ""  # what a reviewer should know: "lu par OCR, 2 pages, page 1 rotated 90°"; or why not


@dataclass(frozen=True)
class _Reading:
    text: str
    confidence: float  # mean of the words' confidences, 0-100
    words: int
    rotation: int = 0

    @property
    def score(self) -> float:
        return self.confidence * self.words

    @property
    def trusted(self) -> bool:
        return self.words >= _MIN_WORDS and self.confidence >= _CONFIDENT


def available() -> bool:
    return shutil.which("tesseract") is not None


def read_image(data: bytes, deadline: float) -> OcrText:
    """OCR of an image file (JPEG, PNG, TIFF, WebP, GIF, BMP): its first frames, within `deadline`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's DecompressionBombWarning: our own limits apply first
            image = Image.open(io.BytesIO(data))
            return read_pictures(list(_frames(image)), deadline, total=getattr(image, "n_frames", 1))
    except OcrRefused as refused:
        return OcrText(note=str(refused))
    except Image.DecompressionBombError as error:  # Pillow's own guard, past twice its MAX_IMAGE_PIXELS
        return OcrText(note=f"image over the OCR limit, not read: {_short(error)}")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        return OcrText(note=f"image not read by OCR: {_short(error)}")


def read_heic(data: bytes, deadline: float) -> OcrText:
    """OCR of an HEIC/HEIF photo: turned into a JPEG by `heif-convert` (which applies the photo's rotation),
    then read as any photo (read_image: its size checked, decoded at a reduced scale, first frames only)."""
    program = shutil.which(HEIF_CONVERT)
    if program is None:
        return OcrText(note="HEIC photo not read by OCR: heif-convert is not installed "
                            "(scripts/setup installs Debian's libheif-examples)")
    # heif-convert reads and writes files by name (a pipe cannot be seeked): a private folder of the worker's
    with tempfile.TemporaryDirectory(prefix="inbox-bot-heic-") as folder:
        source, target = Path(folder, "photo.heic"), Path(folder, "photo.jpg")
        source.write_bytes(data)
        left = deadline - time.monotonic()
        try:
            if left <= 0.2:
                raise _OutOfTime
            done = subprocess.run(
                [program, "--quiet", "-q", "92", str(source), str(target)], capture_output=True, timeout=left,
                preexec_fn=_limits(left, HEIF_MEMORY_MB), env={**os.environ, "OMP_THREAD_LIMIT": "1"}, check=False,
            )
        except (_OutOfTime, subprocess.TimeoutExpired):
            return OcrText(note="HEIC photo not read by OCR: time limit")
        except OSError as error:
            return OcrText(note=f"HEIC photo not read by OCR: {_short(error)}")
        decoded = sorted(Path(folder).glob("photo*.jpg"))  # a file of several images gives photo-1.jpg, ...
        if done.returncode != 0 or not decoded:
            why = done.stderr.decode("utf-8", "replace") or f"exit code {done.returncode}"
            return OcrText(note=f"HEIC photo not decoded, not read by OCR: {_short(ValueError(why))}")
        jpeg = decoded[0].read_bytes()
    return read_image(jpeg, deadline)


def read_pictures(pictures: Sequence[object], deadline: float, *, total: int | None = None) -> OcrText:
    """OCR of images already decoded (the page images of a scanned PDF), one per page, within `deadline`."""
    if not available():
        return OcrText(note="not read by OCR: tesseract is not installed (scripts/setup installs it)")
    texts, rotated, cut = [], [], ""
    for number, picture in enumerate(pictures[:MAX_PAGES], start=1):
        if time.monotonic() >= deadline:
            cut = f"OCR stopped at page {number}: time limit"
            break
        if not isinstance(picture, Image.Image):
            continue
        if picture.width * picture.height < MIN_PAGE_PIXELS:
            cut = f"image of {picture.width}x{picture.height} pixels too small to be a page: not read by OCR"
            break
        try:
            reading = _read_page(_prepared(picture), deadline)
        except _OutOfTime:
            cut = f"OCR stopped at page {number}: time limit"
            break
        texts.append(reading.text)
        if reading.rotation:
            rotated.append(f"page {number} rotated {reading.rotation}°")
    read = len(texts)
    text = "\n".join(t for t in texts if t.strip())
    return OcrText(text=text, pages=read, note=_note(read, text, total or len(pictures), rotated, cut))


def _note(read: int, text: str, total: int, rotated: list[str], cut: str) -> str:
    if not text.strip():
        return cut or f"{OCR_DONE}: no text found ({read} page{'s' if read != 1 else ''})"
    parts = [f"{OCR_DONE} ({read} page{'s' if read != 1 else ''}"
             + (f" of {total}" if total > read else "") + ")", *rotated]
    return ", ".join([*parts, cut] if cut else parts)


def _frames(image: Image.Image) -> Iterator[Image.Image]:
    width, height = image.size
    megapixels = width * height / 1e6
    limit = MAX_JPEG_MEGAPIXELS if image.format == "JPEG" else MAX_OTHER_MEGAPIXELS
    if megapixels > limit:
        raise OcrRefused(f"image of {megapixels:.0f} megapixels over the OCR limit of {limit} ({image.format}):"
                         " not read")
    if image.format == "JPEG":
        # decode at 1/2, 1/4 or 1/8 scale straight from the file: draft() keeps a size at least the one asked for
        # on both sides, so the ask keeps the photo's shape (LONG_SIDE x LONG_SIDE would keep a tall one whole)
        scale = min(1.0, LONG_SIDE / max(width, height))
        image.draft("L", (max(1, round(width * scale)), max(1, round(height * scale))))
        yield ImageOps.exif_transpose(image)  # a phone records "taken sideways" in EXIF
        return
    for index in range(min(getattr(image, "n_frames", 1), MAX_PAGES)):
        image.seek(index)
        if image.size[0] * image.size[1] / 1e6 > limit:  # each TIFF frame declares its own size
            raise OcrRefused(f"image frame {index + 1} over the OCR limit of {limit} megapixels: not read")
        yield image.copy()


def _prepared(picture: Image.Image) -> Image.Image:
    grey = picture.convert("L")
    long_side = max(grey.size)
    if long_side > LONG_SIDE or long_side < SHORT_PAGE:
        scale = (LONG_SIDE if long_side > LONG_SIDE else SHORT_PAGE * 1.25) / max(long_side, 1)
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        grey = grey.resize(size, Image.Resampling.LANCZOS)
    # Dust and sensor noise on a nearly blank page is thousands of specks Tesseract tries to read one by one
    # (20 s for a page that says "Page 2", 2 s once cleaned): a 3x3 median removes lone specks, and whatever
    # is barely darker than the paper becomes paper. Ink is far darker than that, even in a dim photo.
    clean = grey.filter(ImageFilter.MedianFilter(3))
    cut = _paper_level(clean) - _PAPER_MARGIN
    return clean.point(lambda value: 255 if value > cut else value)


def _paper_level(grey: Image.Image) -> int:
    """The median grey level: on a page of text, most pixels are paper."""
    histogram, half, seen = grey.histogram(), grey.width * grey.height / 2, 0
    for level, count in enumerate(histogram):
        seen += count
        if seen >= half:
            return level
    return 255


def _read_page(page: Image.Image, deadline: float) -> _Reading:
    best = _ocr(page, 0, deadline)
    # A page turned sideways still reads as many words, all doubtful; a page of a line or two is what it is
    if best.trusted or best.words < _MIN_WORDS:
        return best
    try:
        angle = _orientation(page, deadline)
        for rotation in [angle] if angle else [90, 180, 270]:
            best = max(best, _ocr(page, rotation, deadline), key=lambda r: r.score)
            if best.trusted:
                break
    except _OutOfTime:
        pass  # the best reading so far is kept; the next page meets the deadline and says so
    return best


def _ocr(page: Image.Image, rotation: int, deadline: float) -> _Reading:
    # Image.rotate turns counter-clockwise; `rotation` is clockwise, as the orientation detector reports it
    turned = page.rotate(-rotation, expand=True) if rotation else page
    tsv = _tesseract(turned, ["-l", LANGUAGES, "--psm", "3", "tsv"], deadline)
    return _parse_tsv(tsv, rotation)


def _orientation(page: Image.Image, deadline: float) -> int | None:
    """The clockwise rotation that puts the text upright, if Tesseract's detector is sure of it."""
    factor = max(page.size) // OSD_SIDE
    small = page.reduce(factor) if factor > 1 else page  # it tells as well on a smaller page, and sooner
    out = _tesseract(small, ["--psm", "0"], deadline)
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    try:
        rotate, confidence = int(fields["Rotate"].strip()), float(fields["Orientation confidence"].strip())
    except (KeyError, ValueError):
        return None  # too little text to tell (Arabic, a blank page): the caller tries every rotation
    return rotate % 360 if confidence >= _OSD_MIN_CONFIDENCE and rotate % 90 == 0 else None


def _parse_tsv(tsv: str, rotation: int) -> _Reading:
    lines: dict[tuple[str, ...], list[str]] = {}
    confidences = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) != 12 or not cells[11].strip():
            continue
        try:
            confidence = float(cells[10])
        except ValueError:
            continue
        if confidence < 0:
            continue
        lines.setdefault(tuple(cells[1:5]), []).append(cells[11].strip())
        confidences.append(confidence)
    text = "\n".join(" ".join(words) for words in lines.values())
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return _Reading(text, mean, len(confidences), rotation)


def _tesseract(page: Image.Image, arguments: list[str], deadline: float) -> str:
    """Run tesseract on one page (PGM on stdin); an empty answer if it fails, _OutOfTime if it overruns."""
    left = deadline - time.monotonic()
    if left <= 0.2:
        raise _OutOfTime
    pgm = io.BytesIO()
    page.save(pgm, format="PPM")
    try:
        done = subprocess.run(
            ["tesseract", "stdin", "stdout", "--dpi", "300", *arguments],
            input=pgm.getvalue(), capture_output=True, timeout=left, preexec_fn=_limits(left),
            env={**os.environ, "OMP_THREAD_LIMIT": "1"}, check=False,
        )
    except subprocess.TimeoutExpired as late:
        raise _OutOfTime from late
    except OSError:  # it could not start (not installed, out of memory): as good as no text
        return ""
    return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else ""


def _limits(seconds: float, memory_mb: int = TESSERACT_MEMORY_MB) -> Callable[[], None]:
    def apply() -> None:  # in the child, between fork and exec: the worker is single-threaded, so this is safe
        _lower(resource.RLIMIT_AS, memory_mb * MB)
        _lower(resource.RLIMIT_CPU, max(1, int(seconds) + 1))
    return apply


def _lower(which: int, value: int) -> None:
    # a limit can only be lowered below the hard one the worker itself runs under
    _, hard = resource.getrlimit(which)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(which, (value, value))


def _short(error: BaseException) -> str:
    return (" ".join(str(error).split()) or type(error).__name__)[:80]
