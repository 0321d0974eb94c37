"""Build real document and archive bytes for tests: PDF, DOCX, ODT, XLSX, PNG, ZIP.

Every maker returns the bytes a sender would attach, produced by the same libraries (or the same file layout)
real office software uses, so the code under test meets genuine structures rather than hand-written stubs.
"""

from __future__ import annotations

import io
import struct
import zipfile
from xml.sax.saxutils import escape

import docx
import openpyxl
from fpdf import FPDF
from PIL import Image

ODT_MIME = "application/vnd.oasis.opendocument.text"


def make_pdf(lines: list[str], *, pages: int = 1, encrypt_password: str | None = None,
             owner_password: str | None = None) -> bytes:
    """A PDF whose first page holds `lines`; every page also ends with a line "Page <n>".

    fpdf2 core fonts only cover Latin-1: Arabic (or curly quotes) raise, so use make_docx for those.
    `encrypt_password` sets the password needed to open the file; `owner_password` alone gives a file anyone
    can open but that carries an encryption dictionary (permissions only).
    """
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for number in range(1, pages + 1):
        pdf.add_page()
        if number == 1:
            for line in lines:
                pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        pdf.cell(0, 6, f"Page {number}", new_x="LMARGIN", new_y="NEXT")
    if encrypt_password is not None or owner_password is not None:
        pdf.set_encryption(owner_password=owner_password or "owner-secret", user_password=encrypt_password or "")
    return bytes(pdf.output())


def make_docx(paragraphs: list[str], *, table: list[list[str]] | None = None) -> bytes:
    """A Word file with one paragraph per item, then an optional table (one inner list per row)."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=max(len(row) for row in table))
        for row_cells, row in zip(grid.rows, table, strict=False):
            for cell, text in zip(row_cells.cells, row, strict=False):
                cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_odt(paragraphs: list[str]) -> bytes:
    """An OpenDocument text file laid out as LibreOffice writes it (`mimetype` first and stored)."""
    body = "".join(f"<text:p>{escape(text)}</text:p>" for text in paragraphs)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODT_MIME}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", ODT_MIME, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def make_xlsx(rows: list[list[str]]) -> bytes:
    """An Excel workbook with one sheet; cells that look like numbers are stored as numbers."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append([_number_or_text(cell) for cell in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _number_or_text(cell: str) -> str | float:
    try:
        return float(cell)
    except ValueError:
        return cell


def make_png(width: int = 8, height: int = 8) -> bytes:
    """A small grey PNG, the shape of a phone photo of a scanned page."""
    out = io.BytesIO()
    Image.new("L", (width, height), color=128).save(out, format="PNG")
    return out.getvalue()


def make_zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive holding `members` (path inside the archive -> bytes), in that order."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def make_zip_bomb(size: int, *, name: str = "zeros.txt", chunk: int = 1 << 20) -> bytes:
    """One deflated member of `size` zero bytes, written in chunks so building it stays small in memory."""
    out = io.BytesIO()
    zero = bytes(chunk)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive, archive.open(name, "w") as member:
        left = size
        while left > 0:
            member.write(zero[: min(chunk, left)])
            left -= chunk
    return out.getvalue()


def set_encrypted_flag(archive: bytes) -> bytes:
    """Set bit 0 (encrypted) of the general-purpose flags in every local and central header.

    The data stays plain: readers that honour the flag (as they must) refuse the member, which is what an
    archive made with a password looks like to a reader without it.
    """
    data = bytearray(archive)
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = data.find(signature)
        while start != -1:
            (flags,) = struct.unpack_from("<H", data, start + flag_offset)
            struct.pack_into("<H", data, start + flag_offset, flags | 0x1)
            start = data.find(signature, start + 4)
    return bytes(data)


def set_declared_size(archive: bytes, size: int) -> bytes:
    """Make every central-directory entry lie about its uncompressed size (the local headers too)."""
    data = bytearray(archive)
    for signature, size_offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = data.find(signature)
        while start != -1:
            struct.pack_into("<I", data, start + size_offset, size)
            start = data.find(signature, start + 4)
    return bytes(data)
