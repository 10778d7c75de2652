"""Forms for 相談受付 and つなぐシート, one module per form family; importers use
``intake.forms``."""

from intake.forms.consultation import CaseChoiceForm, ConsultationFilterForm, ConsultationForm
from intake.forms.household_section import initial_from_sheet
from intake.forms.sheets import SheetForm, SheetReturnForm, SheetTakeUpForm

__all__ = [
    "CaseChoiceForm",
    "ConsultationFilterForm",
    "ConsultationForm",
    "SheetForm",
    "SheetReturnForm",
    "SheetTakeUpForm",
    "initial_from_sheet",
]
