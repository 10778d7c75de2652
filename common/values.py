"""A model field's value as a page shows it: choice labels, 和暦 dates, はい/いいえ,
and a foreign key by a string that says no more than the object's own page does."""

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from common import wareki

EMPTY = "—"

# Models whose str() names no person (an agency, a user of the system, a master row, a
# household's label that its pages head with). Any other related object is shown by its
# kind and number, e.g. 「本人同意 #12」: a history page never spells out a person.
SAFE_RELATED = {
    "accounts.agency",
    "accounts.user",
    "households.district",
    "households.household",
    "intake.consultationcategory",
    "cases.assessmentissue",
}


def related_label(model, pk, objects: dict | None = None) -> str:
    if pk in (None, ""):
        return EMPTY
    if model._meta.label_lower in SAFE_RELATED:
        obj = (objects or {}).get(pk)
        if obj is None:
            obj = model._default_manager.filter(pk=pk).first()
        if obj is not None:
            return str(obj)
    return f"{model._meta.verbose_name} #{pk}"


def shown_value(field, value, *, instance=None, objects: dict | None = None) -> str:
    """value (as stored in field.attname) as a string for a page."""
    if value is None or value == "":
        return EMPTY
    if field.is_relation and field.many_to_one:
        return related_label(field.related_model, value, objects)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("はい") if value else _("いいえ")
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{wareki.format_date(local)} {local:%H:%M}"
    if isinstance(value, dt.date):
        return wareki.format_date(value)
    return str(value)
