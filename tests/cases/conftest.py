import datetime as dt

import pytest
from django.utils import timezone

from cases import services
from cases.choices import CasePersonRole, GrantScope, RecordKind
from tests.factories import ConsentFactory, HouseholdFactory, PersonFactory

SECRET_ADDRESS = "秘匿町字かくれ1-2-3"
SECRET_PHONE = "090-9876-5432"


def make_case(*, desk, desk_agency, title, confidential=False, narrative="初回の電話相談"):
    household = HouseholdFactory(
        registered_by_agency=desk_agency,
        actor=desk,
        name=f"{title}世帯",
        address=SECRET_ADDRESS if confidential else "架空町本町1-1",
        phone=SECRET_PHONE if confidential else "096-293-1111",
        is_address_confidential=confidential,
    )
    person = PersonFactory(
        household=household,
        actor=desk,
        family_name="佐藤",
        given_name=title,
        family_name_kana="サトウ",
        given_name_kana="ハナコ",
        birth_date=dt.date(1980, 5, 5),
    )
    case = services.case_open(
        actor=desk,
        household=household,
        lead_agency=desk_agency,
        lead_staff=desk,
        title=title,
        persons=[(person, CasePersonRole.PRINCIPAL)],
    )
    services.record_create(
        actor=desk,
        case=case,
        agency=desk_agency,
        occurred_at=timezone.now(),
        kind=RecordKind.PHONE,
        narrative=narrative,
    )
    plan = services.plan_create(
        actor=desk, case=case, person_wishes="家で暮らしたい", goals="生活の安定", roles=[]
    )
    return case, person, plan


@pytest.fixture
def scenario(
    desk,
    desk_agency,
    partner_agency,
    coordinator,
    manager,
    partner,
    outsider,
    municipal,
    admin_user,
):
    """Four cases of the desk: own (not shared), shared (consent, RECORDS scope),
    withdrawn (shared, then the consent withdrawn), confidential (住所秘匿, shared)."""
    from households.services import consent_withdraw

    out = {}
    out["own"] = make_case(desk=desk, desk_agency=desk_agency, title="自機関ケース")
    for key, confidential in (("shared", False), ("withdrawn", False), ("confidential", True)):
        case, person, plan = make_case(
            desk=desk, desk_agency=desk_agency, title=f"{key}ケース", confidential=confidential
        )
        consent = ConsentFactory(person=person, agencies=[partner_agency], recorded_by=desk)
        services.case_share(
            actor=desk, case=case, agency=partner_agency, scope=GrantScope.RECORDS, consent=consent
        )
        if key == "withdrawn":
            consent_withdraw(actor=desk, consent=consent)
        out[key] = (case, person, plan)
    return out
