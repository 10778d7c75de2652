"""Workbooks for the import tests: rows given as {header: value} per sheet."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from imports.ledgers import BY_CODE


def book_bytes(sheets: dict[str, list[dict]]) -> bytes:
    """sheets: ledger code -> rows (dicts of header -> value)."""
    book = Workbook()
    book.remove(book.active)
    for code, rows in sheets.items():
        ledger = BY_CODE[code]
        sheet = book.create_sheet(ledger.sheet)
        sheet.append(ledger.headers)
        for row in rows:
            unknown = set(row) - set(ledger.headers)
            assert not unknown, unknown
            sheet.append([row.get(h) for h in ledger.headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(data: bytes, name: str = "ledger.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
