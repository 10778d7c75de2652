"""The one way a household's or a person's contact details reach a page or a PDF.

Templates write `{% contact household "address" %}` (households/templatetags/contact.py);
Python that writes a document (an export, a CSV) calls contact_value(). Both ask
households.access whether the reader may see the field and otherwise give 「（秘匿）」.
No template reads these fields itself (tests/households/test_redaction_by_construction.py
fails if one does), so a new page cannot forget 住所秘匿.
"""

from django.utils.translation import gettext_lazy as _

from households import access
from households.models import Household, Person


def _postal_address(household: Household) -> str:
    if household.postal_code:
        return f"〒{household.postal_code} {household.address}".strip()
    return household.address


def _phones(person: Person) -> str:
    return " ".join(p for p in (person.phone, person.mobile_phone) if p)


# The fields the accessor gives, by model: name -> how to read it.
HOUSEHOLD_FIELDS = {
    "address": lambda h: h.address,
    "postal_code": lambda h: h.postal_code,
    "postal_address": _postal_address,
    "phone": lambda h: h.phone,
}
PERSON_FIELDS = {
    "phone": lambda p: p.phone,
    "mobile_phone": lambda p: p.mobile_phone,
    "phones": _phones,
    "email": lambda p: p.email,
}

HIDDEN = _("（秘匿）")


def contact_value(user, obj, field: str) -> str | None:
    """The field of a Household or Person as the user may see it, or None when 住所秘匿
    hides it from them. An unknown field or object raises (a typo must not print)."""
    if isinstance(obj, Household):
        read, allowed = HOUSEHOLD_FIELDS, access.may_see_contact
    elif isinstance(obj, Person):
        read, allowed = PERSON_FIELDS, access.may_see_person_contact
    else:
        raise TypeError(f"contact: {type(obj).__name__} has no guarded contact details")
    if field not in read:
        raise ValueError(f"contact: unknown field {field!r} of {type(obj).__name__}")
    if not allowed(user, obj):
        return None
    return read[field](obj) or ""


def prime(user, *, households=(), persons=()) -> None:
    """Decide for a whole list at once (households.access.prime_contact)."""
    access.prime_contact(user, households=households, persons=persons)
