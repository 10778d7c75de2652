"""Who may see a household, as django-guardian stores it.

The foundation rule: the agency that registered a household sees it. cases.sharing
adds and removes further grants through grant_household/revoke_household when it shares
a case; this module is the only place in households that touches guardian.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts.audit import log_denied
from accounts.choices import Role
from accounts.services import agency_group
from households.choices import ExemptionReason
from households.models import (
    Household,
    HouseholdGroupObjectPermission,
    HouseholdMembership,
    Person,
)

VIEW = "households.view_household"
CHANGE = "households.change_household"
CONFIDENTIAL = "households.view_confidential_household"


def grant_household(*, agency, household: Household, change=False, confidential=False) -> None:
    group = agency_group(agency)
    assign_perm(VIEW, group, household)
    if change:
        assign_perm(CHANGE, group, household)
    if confidential:
        assign_perm(CONFIDENTIAL, group, household)


def grant_households_bulk(*, agency, households, change=False, confidential=False) -> None:
    """grant_household for many households at once (an import's chunk): the same
    permission rows, written in one INSERT; a grant already there is left alone."""
    group = agency_group(agency)
    codenames = [VIEW.split(".")[1]]
    if change:
        codenames.append(CHANGE.split(".")[1])
    if confidential:
        codenames.append(CONFIDENTIAL.split(".")[1])
    permissions = list(
        Permission.objects.filter(
            codename__in=codenames,
            content_type__app_label="households",
            content_type__model="household",
        )
    )
    HouseholdGroupObjectPermission.objects.bulk_create(
        [
            HouseholdGroupObjectPermission(
                group=group, permission=permission, content_object=household
            )
            for household in households
            for permission in permissions
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )


def revoke_household(*, agency, household: Household, perms=(VIEW, CHANGE, CONFIDENTIAL)) -> None:
    group = agency_group(agency)
    for perm in perms:
        remove_perm(perm, group, household)


def _permission_id(codename: str) -> Subquery:
    # The permission's id as an uncorrelated subquery (one InitPlan), not a join on
    # auth_permission.codename: PostgreSQL then estimates the grant rows from the table's
    # statistics instead of guessing ~500, which made it drive searches from all 75,000
    # grants of a city's desk (make bench: kana search やま 1.8 s).
    return Subquery(
        Permission.objects.filter(
            codename=codename,
            content_type__app_label="households",
            content_type__model="household",
        ).values("pk")[:1]
    )


def _perm_exists(user, codename: str, ref: str = "pk"):
    return Exists(
        HouseholdGroupObjectPermission.objects.filter(
            content_object=OuterRef(ref),
            group_id__in=user.agency_group_ids,
            permission_id=_permission_id(codename),
        )
    )


def households_visible_to(user) -> QuerySet[Household]:
    """Households the user's agencies were granted, filtered in SQL by one EXISTS."""
    if not user.is_authenticated or not user.works_on_cases:
        return Household.objects.none()
    return Household.objects.filter(_perm_exists(user, "view_household"))


def households_visible_to_probed(user) -> QuerySet[Household]:
    """households_visible_to for a query whose other conditions already narrow the
    households to a few thousand at most (an indexed search): each is tested by one
    index probe of the grants (household_grant_sql's probe), whoever the user is."""
    if not user.is_authenticated or not user.works_on_cases:
        return Household.objects.none()
    sql, params = household_grant_sql(
        user, f'"{Household._meta.db_table}"."id"', "view_household", probe=True
    )
    return Household.objects.filter(RawSQL(sql, params, output_field=BooleanField()))


def with_access_flags(queryset: QuerySet[Household], user) -> QuerySet[Household]:
    """Annotate can_change and can_see_confidential for the user, in the same query."""
    return queryset.annotate(
        can_change=_perm_exists(user, "change_household"),
        can_see_confidential=_perm_exists(user, "view_confidential_household"),
    )


def household_grant_sql(
    user, column: str, codename: str, *, probe: bool = False
) -> tuple[str, list]:
    """The same rule as _perm_exists, as an SQL condition on a household id `column`,
    for the hand-written search walks (households.selectors), whose ORM spelling cost
    more Python time than their SQL. Works on PostgreSQL and SQLite.

    probe: test each row the rest of the query let through with one probe of the
    grants' index. On PostgreSQL the OFFSET 0 keeps the EXISTS from becoming a join,
    which for a city's desk hashes all of its 75,000 grants to keep 1,800 households
    (household search 「山田」 at 100,000 households, EXPLAIN ANALYZE: 21 -> 7 ms)."""
    groups = list(user.agency_group_ids) if user.is_authenticated else []
    if not groups:
        return "1 = 0", []
    grants, where, params = _group_grants_sql(groups, codename)
    offset = ""
    if probe and connections[router.db_for_read(Household)].vendor == "postgresql":
        offset = " OFFSET 0"
    sql = (
        f"EXISTS (SELECT 1 FROM {grants} g WHERE g.content_object_id = {column} "
        f"AND {where}{offset})"
    )
    return sql, params


def _group_grants_sql(groups: list[int], codename: str) -> tuple[str, str, list]:
    """What the hand-written grant conditions share: the grants table (aliased g by the
    caller), the condition on its groups and on the permission named by codename, and
    the parameters of that condition."""
    grants = HouseholdGroupObjectPermission._meta.db_table
    permission = Permission._meta.db_table
    content_type = Permission._meta.get_field("content_type").related_model._meta.db_table
    placeholders = ", ".join(["%s"] * len(groups))
    where = (
        f"g.group_id IN ({placeholders}) AND g.permission_id = ("
        f"SELECT p.id FROM {permission} p JOIN {content_type} ct ON ct.id = p.content_type_id "
        "WHERE ct.app_label = %s AND ct.model = %s AND p.codename = %s)"
    )
    return grants, where, [*groups, "households", "household", codename]


def visible_household_sql(user, column: str) -> tuple[str, list]:
    """households_visible_to(user) as an SQL condition on a household id column."""
    if not user.is_authenticated or not user.works_on_cases:
        return "1 = 0", []
    return household_grant_sql(user, column, "view_household")


# A user whose agencies see at most this many households (a partner agency: hundreds
# to a couple of thousand) is searched "from the visible side": its households first,
# then their members, about 10 µs a household. Above it (a city's desk: most of the
# city) kana and phone searches walk the ふりがな / number indexes instead, whose cost
# does not grow with what the user sees.
FEW_HOUSEHOLDS = 2000


def visible_household_ids_sql(user) -> tuple[str, list]:
    """The ids of households_visible_to(user), as an SQL SELECT of one column `id`."""
    groups = list(user.agency_group_ids) if user.is_authenticated else []
    if not groups or not user.works_on_cases:
        return "SELECT NULL AS id WHERE 1 = 0", []
    grants, where, params = _group_grants_sql(groups, "view_household")
    return f"SELECT DISTINCT g.content_object_id AS id FROM {grants} g WHERE {where}", params


def sees_few_households(user) -> bool:
    """True when the user's agencies were granted at most FEW_HOUSEHOLDS households
    (counted up to that bound only: one short index range however big the city is).
    Remembered on the user object for the request."""
    if not user.is_authenticated or not user.works_on_cases:
        return True
    bound = FEW_HOUSEHOLDS
    cached = getattr(user, "_sees_few_households", None)
    if cached is None or cached[0] != bound:
        grants = HouseholdGroupObjectPermission.objects.filter(
            group_id__in=user.agency_group_ids,
            permission_id=_permission_id("view_household"),
        ).values("content_object_id")
        cached = (bound, grants[: bound + 1].count() <= bound)
        user._sees_few_households = cached
    return cached[1]


def contact_visible_sql(user, alias: str) -> tuple[str, list]:
    """contact_visible_q as SQL on the household table under `alias`."""
    granted, params = household_grant_sql(user, f"{alias}.id", "view_confidential_household")
    return f"(NOT {alias}.is_address_confidential OR {granted})", params


def contact_visible_q(user) -> Q:
    """Households whose address and phones the user may see (and so search by): those not
    under 住所秘匿, and those whose confidential details the user's agency was granted."""
    return Q(is_address_confidential=False) | Q(_perm_exists(user, "view_confidential_household"))


def get_household_for_user(user, pk, *, action="view") -> Household:
    """Fetch a household the user may see (or change) or answer 404."""
    from django.http import Http404

    qs = with_access_flags(households_visible_to(user), user).select_related("district")
    household = qs.filter(pk=pk).first()
    if household is None or (action == "change" and not household.can_change):
        log_denied(user=user, object_type="households.household", object_id=pk, detail=action)
        raise Http404
    return household


# ---------------------------------------------------------------- passing a person on


class NoBasisToPassOn(ValidationError):
    """A person's details were to go to another agency without a recorded basis. The
    code names what is missing: no_basis, consent_date, exemption_reason, exemption_note."""


def require_basis_to_pass_on(
    *, consent_given: bool, consent_on=None, exemption_reason: str = "", exemption_note: str = ""
) -> None:
    """The one rule for an agency passing a person's name, birth date and contact to
    another outside a shared case (a つなぐシート to the desk, a partner's referral into
    the desk): the person's consent, with the day it was given, or a legal exemption
    recorded with its reason (DESIGN "Who may see what"). Raises NoBasisToPassOn, whose
    Japanese message says what to record; returns when the basis holds."""
    note = (exemption_note or "").strip()
    if exemption_reason or note:
        if exemption_reason not in ExemptionReason.values:
            raise NoBasisToPassOn(
                _("法令上の例外とする場合は、その根拠を選んでください。"), code="exemption_reason"
            )
        if not note:
            raise NoBasisToPassOn(
                _("法令上の例外とする具体的な理由を入力してください。"), code="exemption_note"
            )
        return
    if not consent_given:
        raise NoBasisToPassOn(
            _(
                "本人の同意がなく、法令上の例外の記録もないため送れません。"
                "本人の同意を得て同意日を記録するか、法令上の例外に当たる場合は"
                "その根拠と具体的な理由を記録してください。"
            ),
            code="no_basis",
        )
    if consent_on is None:
        raise NoBasisToPassOn(_("本人が同意した日を入力してください。"), code="consent_date")


# ---------------------------------------------------------------- 住所秘匿: contact details
#
# What 住所秘匿 hides (a household's address, postal code and phone; its members' phones
# and mail: where they are and how to reach them) reaches a page or PDF only through
# households.contact, which asks the functions below. The rule: a household not under
# 住所秘匿 shows them to every case worker a page about it is shown to; one under 住所秘匿
# only to the agencies granted its confidential details (its registering agency and the
# lead of one of its cases, cases.sharing). A person is "in hiding" when they are or
# were a member of a 住所秘匿 household: their own phones moved with them, so they are
# hidden wherever the person appears unless the user holds that household's details.
# Decisions are remembered on the instance per user, so a page asks each one once.

_SEEN = "_contact_visible_to"


def _reads_cases(user) -> bool:
    return bool(
        user is not None and user.is_authenticated and user.is_active and user.works_on_cases
    )


def _remembered(obj, user) -> bool | None:
    return getattr(obj, _SEEN, {}).get(user.pk)


def _remember(obj, user, allowed: bool) -> bool:
    obj.__dict__.setdefault(_SEEN, {})[user.pk] = allowed
    return allowed


def _confidential_granted(user, household_ids) -> set[int]:
    """Of these households, those whose confidential details the user's agencies hold."""
    if not household_ids:
        return set()
    return set(
        HouseholdGroupObjectPermission.objects.filter(
            content_object_id__in=list(household_ids),
            group_id__in=user.agency_group_ids,
            permission_id=_permission_id("view_confidential_household"),
        ).values_list("content_object_id", flat=True)
    )


def _in_hiding_from(user, person_ids) -> set[int]:
    """Of these persons, those with a membership (now or before) in a 住所秘匿 household
    whose details the user's agencies do not hold."""
    if not person_ids:
        return set()
    return set(
        HouseholdMembership.objects.filter(
            person_id__in=list(person_ids), household__is_address_confidential=True
        )
        .filter(~_perm_exists(user, "view_confidential_household", ref="household_id"))
        .values_list("person_id", flat=True)
    )


def may_see_contact(user, household: Household) -> bool:
    """Whether the user may see the household's address, postal code and phone. Nobody
    unknown does; a flag with_access_flags annotated for the user is used as is."""
    if not _reads_cases(user):
        return False
    if not household.is_address_confidential:
        return True
    known = _remembered(household, user)
    if known is None:
        flag = getattr(household, "can_see_confidential", None)
        if flag is None:
            flag = household.pk in _confidential_granted(user, [household.pk])
        known = _remember(household, user, bool(flag))
    return known


def may_see_person_contact(user, person: Person) -> bool:
    """Whether the user may see the person's phones and mail (see the rule above)."""
    if not _reads_cases(user):
        return False
    known = _remembered(person, user)
    if known is None:
        known = _remember(person, user, person.pk not in _in_hiding_from(user, [person.pk]))
    return known


def prime_contact(user, *, households=(), persons=()) -> None:
    """Decide may_see_contact / may_see_person_contact for a whole page at once: at most
    one query for the 住所秘匿 households among them and one for the persons, so a list
    asks nothing per row (and nothing at all when no household on it is hidden)."""
    if not _reads_cases(user):
        return
    households = [
        h for h in households if h.is_address_confidential and _remembered(h, user) is None
    ]
    for household in households:
        flag = getattr(household, "can_see_confidential", None)  # with_access_flags
        if flag is not None:
            _remember(household, user, bool(flag))
    households = [h for h in households if _remembered(h, user) is None]
    granted = _confidential_granted(user, {h.pk for h in households})
    for household in households:
        _remember(household, user, household.pk in granted)
    persons = [p for p in persons if _remembered(p, user) is None]
    hiding = _in_hiding_from(user, {p.pk for p in persons})
    for person in persons:
        _remember(person, user, person.pk not in hiding)


# ---------------------------------------------------------------- possible duplicates


@dataclass(frozen=True)
class DuplicateMatches:
    """What a registering user is told about persons already registered with the same
    ふりがな and birth date.

    shown: persons currently in a household the user sees (listed, with its link).
    counted: others not in hiding. Told as a bare count ("another agency registered
      n"): it prevents a second record of the same person across agencies and says
      nothing about who or where; the existing tests and desks rely on it.
    concealed_households: the 住所秘匿 households of the others, who are in hiding.
      The user is told nothing at all of them: even a count would confirm to whoever
      is looking for a person in hiding that the person is known here. The lead of those
      households is notified instead (households.signals.hidden_duplicate_registered).
    """

    shown: list = field(default_factory=list)
    counted: int = 0
    concealed_households: list[int] = field(default_factory=list)


def sort_duplicates(user, persons) -> DuplicateMatches:
    """Sort possible duplicates (Person rows) into what the user may be told."""
    persons = list({p.pk: p for p in persons}.values())
    if not persons:
        return DuplicateMatches()
    ids = [p.pk for p in persons]
    visible = set()
    if _reads_cases(user):
        visible = set(
            Person.objects.filter(
                pk__in=ids,
                household_memberships__until__isnull=True,
                household_memberships__household__in=households_visible_to(user).values("pk"),
            ).values_list("pk", flat=True)
        )
    hiding: dict[int, list[int]] = {}
    for person_id, household_id in (
        HouseholdMembership.objects.filter(
            person_id__in=ids, household__is_address_confidential=True
        )
        .order_by("pk")
        .values_list("person_id", "household_id")
    ):
        hiding.setdefault(person_id, []).append(household_id)
    shown = [p for p in persons if p.pk in visible]
    unseen = [p for p in persons if p.pk not in visible]
    concealed: list[int] = []
    for person in unseen:
        for household_id in hiding.get(person.pk, []):
            if household_id not in concealed:
                concealed.append(household_id)
    return DuplicateMatches(
        shown=shown,
        counted=sum(1 for p in unseen if p.pk not in hiding),
        concealed_households=concealed,
    )


def attachments_withheld(user, household) -> str:
    """Why the user may not open the attachments about a household, or "" when they may.
    Scanned letters and forms carry the address: under 住所秘匿 only those who may see it
    (may_see_contact) open them, on the household, its consents, consultations and cases."""
    if household is None or may_see_contact(user, household):
        return ""
    return _(
        "住所秘匿の世帯のため、添付ファイルは住所を見られる機関（主担当機関など）だけが開けます。"
    )


def may_answer_disclosure(user) -> bool:
    """Whether the user answers a person's request to see their records (開示請求):
    the desk's manager does, for the municipality whose records the desk holds; nobody
    else is shown the page or may produce its PDF and JSON."""
    if not user.is_authenticated or user.is_administrator:
        return False
    return user.memberships.filter(
        is_active=True, agency__is_active=True, agency__is_desk=True, role=Role.MANAGER
    ).exists()
