"""Reading an uploaded workbook and checking every row, without writing anything.

read_workbook turns the file into rows of text per ledger (or raises ImportRefused
with a Japanese message: not an xlsx, a broken file, no ledger sheet, a missing
column). Checker then checks each row against the master data and the keys already
imported, and finds persons who may already be registered (same kana and birth
date), in a fixed number of queries however many rows there are.
"""

from imports.reader.checker import Checker
from imports.reader.rows import Checked, SheetRows, read_workbook
from imports.reader.values import (
    ImportRefused,
    cell_text,
    parse_course,
    parse_day,
    parse_moment,
    parse_roles,
    split_list,
    split_names,
)

__all__ = [
    "Checked",
    "Checker",
    "ImportRefused",
    "SheetRows",
    "cell_text",
    "parse_course",
    "parse_day",
    "parse_moment",
    "parse_roles",
    "read_workbook",
    "split_list",
    "split_names",
]
