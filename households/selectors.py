"""Reads: household and person search, filtered in SQL by what the user may see."""

from django.db.models import Prefetch, Q, QuerySet

from common import kana, wareki
from households.access import contact_visible_q, households_visible_to
from households.models import Household, HouseholdMembership, Person


def classify_query(q: str) -> tuple[str, object]:
    """Decide what the search box holds: a phone number, a date, kana, or text."""
    q = (q or "").strip()
    if not q:
        return "empty", ""
    digits = kana.normalise_phone(q)
    try:
        return "birth_date", wareki.parse_date(q)
    except wareki.WarekiError:
        pass
    if digits and len(digits) >= 3 and len(digits) >= len(q.replace(" ", "")) * 0.6:
        return "phone", digits
    if kana.is_kana(q):
        return "kana", kana.normalise_kana(q)
    return "text", q


def _with_current_member(person_q: Q):
    """Ids of households with a current member matching person_q (a Q over Person)."""
    persons = Person.objects.filter(person_q).values("pk")
    return HouseholdMembership.objects.filter(until__isnull=True, person_id__in=persons).values(
        "household_id"
    )


def household_search(user, q: str) -> QuerySet[Household]:
    """Households the user may see whose members or address match q.

    Accepts kana (hiragana, katakana, half-width; spaces ignored), kanji names, phone
    numbers (hyphens and full-width digits ignored), address fragments and birth dates.
    """
    visible = households_visible_to(user)
    kind, value = classify_query(q)
    if kind == "empty":
        return visible.none()
    member = "memberships__person__"
    current = Q(memberships__until__isnull=True)
    # 住所秘匿: a search by address or phone must not confirm where a hidden household lives.
    contact = contact_visible_q(user)
    if kind == "kana":
        # Driven from Person (two prefix index scans) rather than an OR across the
        # membership join, which no index can serve (make bench: 2.7 s -> ~20 ms).
        match = Q(
            pk__in=_with_current_member(
                Q(name_kana__startswith=value) | Q(given_name_kana__startswith=value)
            )
        )
    elif kind == "phone":
        match = contact & (
            Q(phone_digits__startswith=value)
            | Q(
                pk__in=_with_current_member(
                    Q(phone_digits__startswith=value) | Q(mobile_digits__startswith=value)
                )
            )
        )
    elif kind == "birth_date":
        match = Q(pk__in=_with_current_member(Q(birth_date=value)))
    else:
        terms = value.split()
        match = Q()
        for term in terms:
            match &= (
                Q(name__contains=term)
                | contact & Q(address__contains=term)
                | current & Q(**{f"{member}family_name__contains": term})
                | current & Q(**{f"{member}given_name__contains": term})
            )
    ids = visible.filter(match).values("pk")
    return with_members(Household.objects.filter(pk__in=ids)).order_by("name", "pk")


def with_members(queryset: QuerySet[Household]) -> QuerySet[Household]:
    return queryset.select_related("district").prefetch_related(
        Prefetch(
            "memberships",
            queryset=HouseholdMembership.objects.filter(until__isnull=True)
            .select_related("person")
            .order_by("pk"),
            to_attr="current_members",
        )
    )


def persons_visible_to(user) -> QuerySet[Person]:
    """Persons with a current membership in a household the user may see."""
    return Person.objects.filter(
        household_memberships__household__in=households_visible_to(user).values("pk"),
        household_memberships__until__isnull=True,
    )


def household_members(household: Household):
    return household.memberships.select_related("person").order_by("until", "pk")
