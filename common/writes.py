"""Small steps that services of several apps take the same way when they write.

Apart from common.services (saving as the actor, optimistic locking) because these
read the acting user's memberships and dates; they decide nothing about access.
"""

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from common.services import bump_version, check_version, save_as


def acting_agency(actor, preferred_ids=()):
    """The agency the actor acts for: one of preferred_ids if they work there, else their
    primary agency (the desk first)."""
    for membership in actor.active_memberships():
        if membership.agency_id in preferred_ids:
            return membership.agency
    return actor.primary_agency


def start_of_day(day: dt.date) -> dt.datetime:
    """A dated event as an aware datetime (midnight, local time), for timelines and the
    支援経過 that a pillar's record is copied to."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))


def check_transition(current: str, to_status: str, *, statuses, transitions: dict, refuse):
    """Refuse a move the status machine does not allow, naming both statuses.

    statuses: the TextChoices; transitions: {status: set of statuses after it};
    refuse: the app's rule error class, raised with the Japanese message."""
    if to_status not in transitions.get(current, set()):
        raise refuse(
            _("「%(from)s」から「%(to)s」には変更できません。")
            % {"from": statuses(current).label, "to": statuses(to_status).label}
        )


def apply_edit(instance: models.Model, fields: dict, *, expected_version) -> models.Model:
    """Set an edit's fields on instance, after refusing a stale edit (StaleEdit): the
    first step of an `<entity>_update` service, inside its transaction. The service
    checks its rules on the changed instance, then calls save_new_version."""
    check_version(instance, expected_version)
    for key, value in fields.items():
        setattr(instance, key, value)
    return instance


def save_new_version(instance: models.Model, actor) -> models.Model:
    """Save a changed versioned row as the actor, one version on."""
    bump_version(instance)
    return save_as(instance, actor)
