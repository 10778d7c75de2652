"""Reads for the access-log review (閲覧記録): who read which person's record, and when.

The log lives in accounts (AccessLog.person_id is a plain integer, accounts being the
lowest app); households is the lowest app that may join it to Person, so the review
sits here.

Who may review: managers (Role.MANAGER). A manager at the desk agency (is_desk) reviews
every row; a manager at a partner agency only the reads of that agency's staff (anyone
who ever held a membership there, so reads by staff who left stay reviewable). Anyone
else has no scope and gets 404.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.apps import apps
from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat
from django.utils import timezone

from accounts.choices import Role
from accounts.models import AccessLog, Membership, User
from common import kana
from households.models import Person

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditScope:
    """Whose reads a user may review: everyone's, or those of these agencies' staff."""

    everything: bool
    agency_ids: tuple[int, ...]

    @property
    def any(self) -> bool:
        return self.everything or bool(self.agency_ids)


def access_log_scope(user) -> AuditScope:
    """One query: the user's active manager memberships at active agencies."""
    if not (user and user.is_authenticated and user.is_active):
        return AuditScope(False, ())
    rows = list(
        Membership.objects.filter(
            user=user, is_active=True, agency__is_active=True, role=Role.MANAGER
        ).values_list("agency_id", "agency__is_desk")
    )
    return AuditScope(any(is_desk for _a, is_desk in rows), tuple(sorted(a for a, _d in rows)))


def _staff_ids(scope: AuditScope):
    return Membership.objects.filter(agency_id__in=scope.agency_ids).values("user_id")


def access_logs_visible_to(scope: AuditScope) -> QuerySet[AccessLog]:
    if scope.everything:
        return AccessLog.objects.all()
    if scope.agency_ids:
        return AccessLog.objects.filter(user_id__in=_staff_ids(scope))
    return AccessLog.objects.none()


def audit_users(scope: AuditScope) -> QuerySet[User]:
    """The users one may pick in the filter: everyone, or the agencies' staff."""
    if scope.everything:
        users = User.objects.all()
    elif scope.agency_ids:
        users = User.objects.filter(pk__in=_staff_ids(scope))
    else:
        users = User.objects.none()
    return users.order_by("username")


_SPACES = re.compile(r"[\s\u3000]+")


def person_match(text: str) -> Q:
    """A Q over AccessLog for the person filter: an id (digits, full-width too), a name
    in kana (hiragana, katakana or half-width; matched against ふりがな) or in kanji
    (family and given name together, spaces ignored)."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        return Q()
    if text.isdigit():
        return Q(person_id=int(text))
    compact = _SPACES.sub("", text)
    if kana.is_kana(compact):
        persons = Person.objects.filter(name_kana__contains=kana.normalise_kana(compact))
    else:
        persons = Person.objects.annotate(
            compact_name=Concat("family_name", "given_name", output_field=CharField())
        ).filter(compact_name__contains=compact)
    return Q(person_id__in=persons.values("pk"))


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def with_person_names(queryset: QuerySet[AccessLog]) -> QuerySet[AccessLog]:
    """The person's name and ふりがな in the same query (person_id is no foreign key)."""
    person = Person.objects.filter(pk=OuterRef("person_id"))
    return queryset.annotate(
        person_name=Subquery(
            person.annotate(
                full=Concat("family_name", Value(" "), "given_name", output_field=CharField())
            ).values("full")[:1]
        ),
        person_kana=Subquery(
            person.annotate(
                full=Concat(
                    "family_name_kana", Value(" "), "given_name_kana", output_field=CharField()
                )
            ).values("full")[:1]
        ),
    )


def access_log_search(
    scope: AuditScope,
    *,
    user: User | None = None,
    person: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    outcome: str = "",
) -> QuerySet[AccessLog]:
    """The rows the scope may review matching the filters, newest first, with the user
    and the person's name: one query however many rows."""
    qs = access_logs_visible_to(scope)
    if user is not None:
        qs = qs.filter(user=user)
    if person:
        qs = qs.filter(person_match(person))
    if date_from:
        qs = qs.filter(at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(at__lt=_day_start(date_to + dt.timedelta(days=1)))
    if outcome:
        qs = qs.filter(outcome=outcome)
    return with_person_names(qs.select_related("user")).order_by("-at", "-pk")


# ---------------------------------------------------------------- keyset pages


@dataclass(frozen=True)
class LogPage:
    rows: list[AccessLog]
    next_cursor: str  # "" on the last page
    is_first: bool


def _cursor(row: AccessLog) -> str:
    return f"{row.at.isoformat()}_{row.pk}"


def _parse_cursor(cursor: str) -> tuple[dt.datetime, int] | None:
    at, sep, pk = (cursor or "").rpartition("_")
    if not sep or not pk.isdecimal():  # isdigit() would let "²" through to int()
        return None
    try:
        parsed = dt.datetime.fromisoformat(at)
    except ValueError:
        return None
    if timezone.is_naive(parsed):
        return None
    try:  # year 1 in Japan is before year 1 in UTC, which SQLite cannot store
        parsed = parsed.astimezone(dt.UTC)
    except OverflowError:
        return None
    return parsed, int(pk)


def log_page(queryset: QuerySet[AccessLog], cursor: str = "", size: int | None = None) -> LogPage:
    """One page after `cursor` (newest first). Keyset paging on (at, pk): no COUNT over
    a table that only grows, and every page is an index range scan on `at`. An unreadable
    cursor shows the first page."""
    size = size or PAGE_SIZE
    after = _parse_cursor(cursor)
    if after is not None:
        at, pk = after
        queryset = queryset.filter(Q(at__lt=at) | Q(at=at, pk__lt=pk))
    rows = list(queryset[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return LogPage(rows=rows, next_cursor=_cursor(rows[-1]) if more else "", is_first=after is None)


def object_type_label(object_type: str) -> str:
    """cases.case -> ケース (the model's verbose name); unknown labels as stored."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type
