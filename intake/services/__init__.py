"""Writes for 相談受付 and つなぐシート (STYLE 2): one function per use case, atomic,
naming the acting user so simple-history and the action log record who did it.

Views call these; none saves an intake model itself.

The package keeps one module per concept; importers use ``intake.services``.
"""

from intake.services.consultations import IntakeRuleError, consultation_create, consultation_update
from intake.services.corrections import CONSULTATION_CORRECTED_FIELDS, consultation_correct
from intake.services.sheets import (
    OTHER_CATEGORY_NAME,
    TOPIC_CATEGORY_NAMES,
    known_sheet_person,
    require_sheet_basis,
    sheet_kana,
    sheet_return,
    sheet_send,
    sheet_take_up,
    split_sheet_name,
)

__all__ = [
    "CONSULTATION_CORRECTED_FIELDS",
    "IntakeRuleError",
    "OTHER_CATEGORY_NAME",
    "TOPIC_CATEGORY_NAMES",
    "consultation_correct",
    "consultation_create",
    "consultation_update",
    "known_sheet_person",
    "require_sheet_basis",
    "sheet_kana",
    "sheet_return",
    "sheet_send",
    "sheet_take_up",
    "split_sheet_name",
]
