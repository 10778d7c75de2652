"""変更履歴 of a household and of a person: asked of households.access as their pages
are; 住所秘匿 contact details (and the notes the household page withholds with them)
are left out of the history for a reader who may not see them."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.audit import log_access
from common.history import change_history, merged
from households import access
from households.models import HouseholdMembership, Person
from households.views import _log_household_read
from households.views_people import _membership_for_user

HOUSEHOLD_CONTACT_FIELDS = ("address", "postal_code", "phone", "notes")
PERSON_CONTACT_FIELDS = ("phone", "mobile_phone", "email", "notes")


def _hidden_note(hidden) -> str:
    return _("住所秘匿のため、住所・電話などの変更は表示していません。") if hidden else ""


def household_history(request, pk):
    household = access.get_household_for_user(request.user, pk)
    hidden = () if access.may_see_contact(request.user, household) else HOUSEHOLD_CONTACT_FIELDS
    memberships = HouseholdMembership.history.filter(household_id=household.pk)
    # The members are named as on the household page, which this reader may open.
    names = {
        p.pk: p.full_name for p in Person.objects.filter(pk__in=memberships.values("person_id"))
    }
    entries = merged(
        change_history(household, hidden=hidden),
        change_history(
            HouseholdMembership(household=household),
            records=memberships,
            subject=lambda r: _("世帯員：%(name)s") % {"name": names.get(r.person_id, "")},
        ),
    )
    members = [m for m in household.memberships.select_related("person") if m.until is None]
    _log_household_read(request, household, members)
    return render(
        request,
        "common/history.html",
        {
            "title": household.name,
            "entries": entries,
            "hidden_note": _hidden_note(hidden),
            "back_url": reverse("households:detail", args=[household.pk]),
        },
    )


def person_history(request, pk, membership_pk):
    household, membership = _membership_for_user(request, pk, membership_pk, action="view")
    person = membership.person
    hidden = () if access.may_see_person_contact(request.user, person) else PERSON_CONTACT_FIELDS
    log_access(
        user=request.user,
        obj=person,
        person_id=person.pk,
        request=request,
        detail=f"household:{household.pk}:history",
    )
    return render(
        request,
        "common/history.html",
        {
            "title": person.full_name,
            "entries": change_history(person, hidden=hidden),
            "hidden_note": _hidden_note(hidden),
            "back_url": reverse("households:detail", args=[household.pk]),
        },
    )
