"""The ledger workbook: one sheet per ledger with the Japanese headers, a note on each
header, and data-validation pick-lists (from a hidden 選択肢 sheet) on the coded
columns. The templates are this workbook without rows; the export fills it."""

import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.models import Agency, Membership
from imports import ledgers
from imports.ledgers import BY_CODE, ORDER, YES_NO
from intake.models import ConsultationCategory

LISTS_SHEET = "選択肢"
VALIDATED_ROWS = 5000
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")


def pick_values(agency: Agency) -> dict[str, list[str]]:
    values = {name: list(ledgers.label_map(name)) for name in ledgers.PICK_LISTS}
    values["yes_no"] = list(YES_NO)
    values["basis"] = ledgers.basis_labels()
    values["categories"] = list(
        ConsultationCategory.objects.filter(is_active=True).values_list("name", flat=True)
    )
    values["agencies"] = list(
        Agency.objects.filter(is_active=True).order_by("name").values_list("name", flat=True)
    )
    staff = (
        Membership.objects.filter(agency=agency, is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    )
    values["staff"] = sorted({str(m.user) for m in staff})
    return values


def new_workbook(codes: list[str], agency: Agency) -> tuple[Workbook, dict]:
    """A workbook with the ledgers' sheets (headers, notes, pick-lists) in ORDER."""
    book = Workbook()
    book.remove(book.active)
    values = pick_values(agency)
    lists = book.create_sheet(LISTS_SHEET)
    ranges = {}
    for index, (name, items) in enumerate(sorted(values.items()), start=1):
        letter = get_column_letter(index)
        lists.cell(row=1, column=index, value=name)
        for row, item in enumerate(items, start=2):
            lists.cell(row=row, column=index, value=item)
        last = max(2, len(items) + 1)
        ranges[name] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${last}"
    lists.sheet_state = "hidden"
    sheets = {}
    for code in sorted(codes, key=ORDER.index):
        ledger = BY_CODE[code]
        sheet = book.create_sheet(ledger.sheet, index=len(sheets))
        for column, spec in enumerate(ledger.columns, start=1):
            cell = sheet.cell(row=1, column=column, value=spec.header)
            cell.font = Font(bold=True)
            cell.fill = REQUIRED_FILL if spec.required else HEADER_FILL
            note = "必須。" if spec.required else ""
            if spec.is_date:
                note += "日付は 2024-05-10 / R6.5.10 / 令和6年5月10日 のどれでも。"
            if spec.note:
                note += spec.note
            if note:
                cell.comment = Comment(note, "jusou")
            letter = get_column_letter(column)
            sheet.column_dimensions[letter].width = spec.width
            if spec.pick:
                validation = DataValidation(
                    type="list",
                    formula1=ranges[spec.pick],
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle="選択肢にない値",
                    error="一覧から選んでください。",
                )
                validation.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
                sheet.add_data_validation(validation)
        sheet.freeze_panes = "A2"
        sheets[code] = sheet
    book.move_sheet(LISTS_SHEET, offset=len(sheets))
    return book, sheets


def to_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_bytes(codes: list[str], agency: Agency) -> bytes:
    book, _sheets = new_workbook(codes, agency)
    return to_bytes(book)
