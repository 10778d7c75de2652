"""Abstract models for the columns that the pillar apps' records share.

Each one carries exactly the field definitions the models had before they moved here,
so the schema (and every migration) stays as it was: only the order of columns in a
model's field list changes. optional_fk / optional_date spell out the nullable
fields the same way. Combine them with common.models.Versioned as needed:

    class Placement(CreatedByStamp, Versioned):
        ...
"""

from django.conf import settings
from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _


def user_link(verbose_name=None, **options) -> models.ForeignKey:
    """The staff member who wrote or did something; never deleted while they are named
    (PROTECT), and no reverse accessor on User (every app would add one)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        related_name="+",
        **options,
    )


def optional_fk(to, verbose_name=None, *, related_name, on_delete=models.PROTECT, **options):
    """A link that may be empty: null in the database, blank in forms. Deconstructs to
    the same ForeignKey as spelling it out, so migrations do not see it."""
    return models.ForeignKey(
        to,
        verbose_name=verbose_name,
        on_delete=on_delete,
        null=True,
        blank=True,
        related_name=related_name,
        **options,
    )


def optional_date(verbose_name, **options) -> models.DateField:
    """A date that may be empty (a step not reached yet, an open end)."""
    return models.DateField(verbose_name, null=True, blank=True, **options)


class CreatedStamp(models.Model):
    """When the row was written (set once by the database save)."""

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class CreatedByStamp(CreatedStamp):
    """Who wrote the row and when; simple-history keeps who changed it later."""

    created_by = user_link()

    class Meta:
        abstract = True


class HandledBy(models.Model):
    """The staff member who made a contact (接触, 受入先開拓, 定着支援). The agency they
    acted for stays on each model: common names no domain app."""

    staff = user_link(_("対応者"))

    class Meta:
        abstract = True


class NextStep(models.Model):
    """What is to be done next and when, on a contact or a host visit."""

    next_step = models.TextField(_("次の対応"), blank=True)
    next_on = optional_date(_("次回予定日"))

    class Meta:
        abstract = True


class ChoiceLabels:
    """get_FOO_display() that looks the value up in a dict built once per field.

    Django's own builds dict(make_hashable(field.flatchoices)) on every call, and
    hashing the tuples hashes each lazy label, which translates every label of the
    field: a list of 30 cases translated some 400 labels to show 60. The labels stay
    lazy here, so the one shown is translated in the language of the request."""

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        labels = _CHOICE_LABELS.get(field)
        if labels is None:
            labels = _CHOICE_LABELS[field] = dict(make_hashable(field.flatchoices))
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


# field -> {value: lazy label}; fields' choices are fixed when the models load.
_CHOICE_LABELS: dict = {}
