"""Reading the workbook into rows of text per ledger (read_workbook), and the row a
check produces (Checked)."""

import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from households.models import Household, Person
from imports import ledgers
from imports.ledgers import BY_SHEET, LEDGERS
from imports.models import RowState
from imports.reader.values import MAX_ROWS, ImportRefused, cell_text


@dataclass
class SheetRows:
    ledger: ledgers.Ledger
    rows: list[tuple[int, list[str]]]  # (line in the sheet, cells as text)


def read_workbook(fileobj, name: str = "") -> list[SheetRows]:
    """The ledger sheets of the workbook, in LEDGERS order. Raises ImportRefused."""
    if name and not name.lower().endswith((".xlsx", ".xlsm")):
        raise ImportRefused(
            _("Excel のファイル（.xlsx）を選んでください。「%(name)s」は取り込めません。")
            % {"name": name},
            code="type",
        )
    try:
        book = load_workbook(fileobj, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError):
        raise ImportRefused(
            _(
                "ファイルを Excel（.xlsx）として読めませんでした。壊れていないか、"
                "Excel で開いて「Excel ブック（.xlsx）」として保存し直したものか確かめてください。"
            ),
            code="broken",
        ) from None
    try:
        found = [sheet for sheet in book.sheetnames if sheet in BY_SHEET]
        if not found:
            raise ImportRefused(
                _(
                    "取り込める台帳のシートがありません。シート名は %(names)s のいずれかにしてください。"
                )
                % {"names": "、".join(f"「{ledger.sheet}」" for ledger in LEDGERS)},
                code="sheet",
            )
        out = []
        total = 0
        for ledger in LEDGERS:
            if ledger.sheet not in found:
                continue
            sheet_rows = _read_sheet(book[ledger.sheet], ledger)
            total += len(sheet_rows.rows)
            if total > MAX_ROWS:
                raise ImportRefused(
                    _("一度に取り込めるのは %(max)s 行までです。ファイルを分けてください。")
                    % {"max": f"{MAX_ROWS:,}"},
                    code="size",
                )
            out.append(sheet_rows)
        if not total:
            raise ImportRefused(_("台帳のシートにデータの行がありません。"), code="empty")
        return out
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ImportRefused(
            _("ファイルの途中が読めませんでした（壊れている可能性があります）。"), code="broken"
        ) from exc
    finally:
        book.close()


def _read_sheet(sheet, ledger: ledgers.Ledger) -> SheetRows:
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    headers = [cell_text(v) for v in (header or [])]
    index = {h: i for i, h in enumerate(headers) if h}
    missing = [c.header for c in ledger.columns if c.required and c.header not in index]
    if missing:
        raise ImportRefused(
            _(
                "シート「%(sheet)s」の1行目に列 %(columns)s がありません。テンプレートの見出しのまま使ってください。"
            )
            % {"sheet": ledger.sheet, "columns": "、".join(f"「{m}」" for m in missing)},
            code="columns",
        )
    positions = [index.get(c.header) for c in ledger.columns]
    out = []
    for line, values in enumerate(rows, start=2):
        cells = [
            cell_text(values[p]) if p is not None and p < len(values) else "" for p in positions
        ]
        if any(cells):
            out.append((line, cells))
    return SheetRows(ledger, out)


@dataclass
class Checked:
    ledger: str
    line: int
    key: str
    values: list[str]
    errors: list[str] = field(default_factory=list)
    state: str = RowState.PENDING
    candidate_person: Person | None = None
    candidate_key: str = ""
    candidate_label: str = ""
    candidate_household: Household | None = None
