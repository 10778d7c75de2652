"""The city's agencies, staff and households (persons, memberships, consents)."""

import datetime as dt
import time

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.choices import AgencyKind, Role
from accounts.models import Agency, Membership, User
from accounts.services import agency_create, membership_add, user_create
from accounts.system import system_user
from benchmarks.city.base import (
    CATEGORIES,
    CITY_DESK,
    DESK_STAFF,
    DISTRICTS,
    FAMILY,
    GIVEN_F,
    GIVEN_M,
    PARTNER_KINDS,
    PASSWORD,
    STAFF_PER_AGENCY,
    TOWNS,
    get_or_create_as,
)
from benchmarks.seeding import Picker
from households.choices import Relationship, Sex
from households.models import District, Household, HouseholdMembership, Person
from intake.models import ConsultationCategory

# ---------------------------------------------------------------- agencies, staff


def seed_agencies(city):
    t = time.perf_counter()
    password = make_password(PASSWORD, salt="seedcity")  # hashed once, reused
    # The rows made through the services (and so historied) name a user: on the empty
    # database this command requires there is no administrator yet.
    admin = User.objects.filter(is_superuser=True).first() or system_user()
    city.desk = agency_create(
        actor=admin, name=CITY_DESK, kind=AgencyKind.MUNICIPAL_DEPT, is_desk=True
    )
    city.partners = []
    for i in range(49):
        kind = PARTNER_KINDS[i % len(PARTNER_KINDS)]
        label = AgencyKind(kind).label
        city.partners.append(
            agency_create(actor=admin, name=f"架空市 {label} 第{i + 1:02d}", kind=kind)
        )
    city.staff = {}  # agency id -> [user ids]
    for i in range(DESK_STAFF):
        role = Role.COORDINATOR if i == 0 else (Role.MANAGER if i == 1 else Role.COUNSELOR)
        user = user_create(
            actor=admin, username=f"city_desk{i + 1:02d}", password=None,
            display_name=f"窓口 職員{i + 1}",
        )  # fmt: skip
        membership_add(actor=admin, user=user, agency=city.desk, role=role)
        city.staff.setdefault(city.desk.pk, []).append(user.pk)
    for a, agency in enumerate(city.partners):
        for j in range(STAFF_PER_AGENCY):
            user = user_create(
                actor=admin, username=f"city_a{a + 1:02d}_{j + 1}", password=None,
                display_name=f"{agency.name} 職員{j + 1}",
            )  # fmt: skip
            membership_add(actor=admin, user=user, agency=agency, role=Role.PARTNER_STAFF)
            city.staff.setdefault(agency.pk, []).append(user.pk)
    User.objects.filter(username__startswith="city_").update(password=password)
    city.group = {a.pk: a.group_id for a in [city.desk, *city.partners]}
    city.districts = [get_or_create_as(admin, District, name=name).pk for name in DISTRICTS]
    city.categories = [
        get_or_create_as(admin, ConsultationCategory, name=name, statistics_group=group, order=i).pk
        for i, (name, group) in enumerate(CATEGORIES)
    ]
    agencies = Agency.objects.count()
    city.timing("accounts (agencies, users, memberships)", agencies, time.perf_counter() - t)
    city.stdout.write(f"    {Membership.objects.count()} memberships")


# ---------------------------------------------------------------- households


def seed_households(city):
    rng, n = city.rng, city.counts["households"]
    now = timezone.now()
    size = Picker(rng, {1: 30, 2: 28, 3: 20, 4: 14, 5: 6, 6: 2})
    hh_id0, p_id0, m_id0 = (
        city.next_id(Household),
        city.next_id(Person),
        city.next_id(HouseholdMembership),
    )
    hh_rows, p_rows, m_rows, perm_rows = [], [], [], []
    city.household_persons = {}  # household id -> [person ids], head first
    city.household_agency = {}
    pid, mid = p_id0, m_id0
    partner_ids = [a.pk for a in city.partners]
    for i in range(n):
        hid = hh_id0 + i
        family, family_kana = rng.choice(FAMILY)
        agency = city.desk.pk if rng.random() < 0.7 else rng.choice(partner_ids)
        city.household_agency[hid] = agency
        phone = f"0{rng.randint(3, 9)}{rng.randint(1, 9)}-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"  # noqa: E501
        hh_rows.append((
            hid, 1, f"{family}さん世帯", f"{rng.randint(100, 999)}-{rng.randint(0, 9999):04d}",
            f"架空市{rng.choice(TOWNS)}{rng.randint(1, 9)}丁目{rng.randint(1, 30)}-{rng.randint(1, 20)}",
            rng.choice(city.districts), phone, phone.replace("-", ""), "",
            rng.random() < 0.01, agency, now,
        ))  # fmt: skip
        members = []
        for k in range(size()):
            female = rng.random() < 0.5
            given, given_kana = rng.choice(GIVEN_F if female else GIVEN_M)
            mobile = (
                f"0{rng.choice('789')}0-{rng.randint(0, 9999):04d}-{rng.randint(0, 9999):04d}"
                if rng.random() < 0.6
                else ""
            )
            age = rng.randint(20, 95) if k == 0 else rng.randint(0, 90)
            birth = dt.date(city.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
            p_rows.append((
                pid, family, given, family_kana, given_kana, family_kana + given_kana, birth,
                Sex.FEMALE if female else Sex.MALE, "", mobile, "", mobile.replace("-", ""),
                "", rng.random() < 0.1, rng.random() < 0.05, rng.random() < 0.03,
                rng.random() < 0.01, "", agency, now,
            ))  # fmt: skip
            relationship = Relationship.HEAD if k == 0 else rng.choice(
                [Relationship.SPOUSE, Relationship.CHILD, Relationship.PARENT]
            )  # fmt: skip
            m_rows.append((mid, hid, pid, relationship, None, None))
            members.append(pid)
            pid += 1
            mid += 1
        city.household_persons[hid] = members
    city.household_ids = list(city.household_persons)
    city.copy(
        Household,
        ["id", "version", "name", "postal_code", "address", "district_id", "phone",
         "phone_digits", "notes", "is_address_confidential", "registered_by_agency_id",
         "created_at"],
        hh_rows,
    )  # fmt: skip
    del hh_rows
    city.copy(
        Person,
        ["id", "family_name", "given_name", "family_name_kana", "given_name_kana",
         "name_kana", "birth_date", "sex", "phone", "mobile_phone", "phone_digits",
         "mobile_digits", "email", "has_care_certification", "has_disability_certificate",
         "receives_public_assistance", "needs_interpreter", "notes",
         "registered_by_agency_id", "created_at"],
        p_rows,
    )  # fmt: skip
    del p_rows
    city.copy(
        HouseholdMembership,
        ["id", "household_id", "person_id", "relationship", "since", "until"],
        m_rows,
    )
    del m_rows
    # The registering agency sees, changes and sees the hidden contact details of its
    # households (households.services.household_create via households/access.py).
    ct = ContentType.objects.get_for_model(Household)
    city.hh_perm = {
        p.codename: p.pk
        for p in Permission.objects.filter(
            content_type=ct,
            codename__in=["view_household", "change_household", "view_confidential_household"],
        )
    }
    city.hh_perm_rows = set()  # (perm, group, household)
    for hid, agency in city.household_agency.items():
        for perm in city.hh_perm.values():
            city.hh_perm_rows.add((perm, city.group[agency], hid))
    del perm_rows
