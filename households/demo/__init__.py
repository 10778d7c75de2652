"""Demo data for 架空町 (a fictional town): agencies, staff, 行政区 and households.

Every name, address and phone number here is invented. Everything is created through
the services, so history rows, action logs, agency groups and grants exist exactly as
when staff enter the data in the browser.
"""

import datetime as dt

from django.contrib.auth import password_validation
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.choices import Role
from accounts.models import Agency, User
from accounts.system import system_user
from common.demo import register
from households import services
from households.choices import Relationship
from households.demo.town import (
    AGENCIES,
    DEMO_PASSWORD,
    DESK_NAME,
    DISTRICTS,
    MOVES,
    RELATED_8050,
    TIES_8050,
    USERS,
    consents,
    household_specs,
)
from households.models import Household

__all__ = ["AGENCIES", "DEMO_PASSWORD", "DESK_NAME", "DISTRICTS", "USERS"]


def _role_label(role, agency_key) -> str:
    if role is None:
        return _("システム管理者（所属なし）")
    agency_name = next(name for key, name, *_rest in AGENCIES if key == agency_key)
    return f"{Role(role).label}（{agency_name}）"


@register(order=10)
def seed_households(context: dict) -> None:
    """架空町: agencies, staff for every role, 行政区, households, consents."""
    context["credentials"] = [
        (username, _role_label(role, agency_key), DEMO_PASSWORD)
        for username, _name, agency_key, role in USERS
    ]
    if (
        Agency.objects.filter(name=DESK_NAME, is_desk=True).exists()
        and User.objects.filter(username=USERS[1][0]).exists()
    ):
        _load(context)
        context["already_seeded"] = True
        return
    if Agency.objects.exists() or User.objects.exists():
        raise CommandError(
            _(
                "このデータベースには既に機関または利用者が登録されています。"
                "デモデータは空のデータベースにだけ登録できます。"
            )
        )
    password_validation.validate_password(DEMO_PASSWORD)
    _create(context)


def _load(context: dict) -> None:
    """The demo exists: put its objects in the context for later seeders."""
    names = {key: name for key, name, *_rest in AGENCIES}
    by_name = Agency.objects.in_bulk(names.values(), field_name="name")
    context["agencies"] = {key: by_name[name] for key, name in names.items() if name in by_name}
    context["desk_agency"] = context["agencies"]["desk"]
    usernames = [username for username, *_rest in USERS]
    context["users"] = User.objects.in_bulk(usernames, field_name="username")
    specs = {fields["name"]: key for key, _agency, _district, fields, _m in household_specs()}
    households = list(
        Household.objects.filter(
            name__in=specs, registered_by_agency__in=context["agencies"].values()
        ).order_by("pk")
    )
    context["households"] = households
    context["household_by_key"] = {specs[h.name]: h for h in households}


def _since(member: dict) -> dt.date:
    """When the member joined: children at birth, adults when the household was formed."""
    born = member["birth_date"]
    if member["relationship"] in (Relationship.CHILD, Relationship.GRANDCHILD):
        return born
    return member.get("since") or dt.date(max(born.year + 25, 1990), 4, 1)


def _create(context: dict) -> None:
    admin = account_services.user_create(
        actor=None,
        username="admin",
        password=DEMO_PASSWORD,
        display_name=USERS[0][1],
        is_staff=True,
        is_superuser=True,
    )
    agencies = {}
    for key, name, kind, address, phone, hours, handles in AGENCIES:
        agencies[key] = account_services.agency_create(
            actor=admin,
            name=name,
            kind=kind,
            is_desk=key == "desk",
            address=address,
            phone=phone,
            hours=hours,
            handles=handles,
        )
    users = {"admin": admin}
    # The administrator creates the users, but may not give memberships (beyond a first
    # manager: accounts.services.membership_refusal). The seed is an automated process
    # run at the shell, like the Celery tasks, so the system user gives them: most demo
    # agencies have no manager of their own to do it, and history then names the
    # process, not an administrator the rule forbids.
    system = system_user()
    for username, display_name, agency_key, role in USERS[1:]:
        user = account_services.user_create(
            actor=admin, username=username, password=DEMO_PASSWORD, display_name=display_name
        )
        account_services.membership_add(
            actor=system, user=user, agency=agencies[agency_key], role=role
        )
        users[username] = user
    districts = {
        code: services.district_create(actor=admin, name=name, code=code)
        for code, name in DISTRICTS
    }
    # Who registers for each agency.
    registrar = {"desk": users["soudan"], "houkatsu": users["houkatsu"]}

    households, by_key, members_of = [], {}, {}
    for key, agency_key, district, fields, members in household_specs():
        actor = registrar[agency_key]
        household = services.household_create(
            actor=actor, agency=agencies[agency_key], district=districts[district], **fields
        )
        members_of[key] = []
        for member in members:
            data = dict(member)
            since = _since(data)
            data.pop("since", None)
            relationship = data.pop("relationship")
            members_of[key].append(
                services.person_add_to_household(
                    actor=actor,
                    agency=agencies[agency_key],
                    household=household,
                    relationship=relationship,
                    since=since,
                    **data,
                )
            )
        households.append(household)
        by_key[key] = household

    for from_key, index, to_key, relationship, since in MOVES:
        moving = members_of[from_key][index]
        services.membership_create(
            actor=users["soudan"],
            household=by_key[to_key],
            person=moving,
            relationship=relationship,
            since=since,
        )
        members_of[to_key].append(moving)

    # A later edit by the coordinator, so the history shows more than the registration.
    services.household_update(
        actor=users["suishin"],
        household=by_key["8050"],
        notes=by_key["8050"].notes + "\n支援会議で長男への訪問支援を検討予定。",
    )

    for spec in consents(timezone.localdate()):
        consent = services.consent_record(
            actor=users["soudan"],
            person=members_of[spec["household"]][spec["member"]],
            agencies=[agencies[key] for key in spec["agencies"]],
            purpose=spec["purpose"],
            method=spec["method"],
            obtained_on=spec["obtained_on"],
            expires_on=spec["expires_on"],
        )
        if spec.get("withdrawn_on"):
            services.consent_withdraw(
                actor=users["soudan"], consent=consent, on=spec["withdrawn_on"]
            )

    context.update(
        desk_agency=agencies["desk"],
        agencies=agencies,
        users=users,
        households=households,
        household_by_key=by_key,
    )


# The 8050 household's family beyond the two who live together, for its genogram: the
# late husband, the daughter who married out, her husband and their son (three


@register(order=75)
def seed_family_maps(context: dict) -> None:
    """Related persons and eco-map lines of the 8050 household."""
    from households.ecomap import eco_tie_set
    from households.models import RelatedPerson

    household = context.get("household_by_key", {}).get("8050")
    if household is None or RelatedPerson.objects.filter(household=household).exists():
        return
    actor = context["users"]["soudan"]
    members = [m.person for m in household.memberships.filter(until__isnull=True).order_by("pk")]
    made = {}
    for key, of, relation, label, sex, born, died in RELATED_8050:
        anchor = {"of_related": made[of]} if isinstance(of, str) else {"of_person": members[of]}
        made[key] = services.related_person_add(
            actor=actor,
            household=household,
            relation=relation,
            label=label,
            sex=sex,
            birth_date=born,
            is_deceased=died is not None,
            died_on=died,
            **anchor,
        )
    for agency_key, kind in TIES_8050:
        agency = context["agencies"].get(agency_key)
        if agency is not None:
            eco_tie_set(actor=actor, household=household, node_key=f"agency:{agency.pk}", kind=kind)
