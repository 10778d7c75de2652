"""Factories for referrals, created through referrals.services like the product does
(the 繋ぎ support record, events, notifications and grants included)."""

import datetime as dt

from django.utils import timezone
from factory.django import DjangoModelFactory

from cases import services as case_services
from cases.choices import CasePersonRole, GrantScope
from households.choices import Relationship
from intake import services as intake_services
from intake.choices import CameFrom, Channel, Outcome
from intake.models import ConsultationCategory
from referrals import services
from referrals.choices import ReferralStatus
from referrals.models import Referral
from tests.factories import ConsentFactory, HouseholdFactory, PersonFactory

# Words that must never leak to someone who may not see them.
PERSON_FAMILY = "佐藤"
PERSON_GIVEN = "澄江"
SECOND_GIVEN = "健太"
CASE_TITLE = "佐藤家の生活再建"
RECORD_SECRET = "借金の督促状が十通ある"
CONSULTATION_SECRET = "主訴は母の介護と息子のひきこもり"
PLAN_SECRET = "家計を立て直す目標"


def make_case(
    *,
    desk,
    desk_agency,
    title=CASE_TITLE,
    family=PERSON_FAMILY,
    consultation_at=None,
    with_consultation=True,
):
    """A desk case of a two-person household, with a consultation, a record and a plan.
    Returns (case, principal, son)."""
    household = HouseholdFactory(
        registered_by_agency=desk_agency, actor=desk, name=f"{family}さん世帯"
    )
    principal = PersonFactory(
        household=household,
        actor=desk,
        family_name=family,
        given_name=PERSON_GIVEN,
        family_name_kana="サトウ",
        given_name_kana="スミエ",
        birth_date=dt.date(1948, 5, 5),
    )
    son = PersonFactory(
        household=household,
        actor=desk,
        family_name=family,
        given_name=SECOND_GIVEN,
        family_name_kana="サトウ",
        given_name_kana="ケンタ",
        birth_date=dt.date(1978, 7, 7),
        relationship=Relationship.CHILD,
    )
    consultation = None
    other, _ = ConsultationCategory.objects.get_or_create(
        name="その他", defaults={"statistics_group": "その他", "order": 999}
    )
    if with_consultation:
        consultation = intake_services.consultation_create(
            actor=desk,
            agency=desk_agency,
            received_at=consultation_at or timezone.now() - dt.timedelta(days=3),
            channel=Channel.PHONE,
            came_from=CameFrom.SELF,
            household=household,
            persons=[principal],
            categories=[other],
            primary_category=other,
            summary=CONSULTATION_SECRET,
            outcome=Outcome.ONGOING,
        )
    case = case_services.case_open(
        actor=desk,
        household=household,
        lead_agency=desk_agency,
        lead_staff=desk,
        title=title,
        persons=[(principal, CasePersonRole.PRINCIPAL), (son, CasePersonRole.MEMBER)],
        consultation=consultation,
    )
    case_services.record_create(
        actor=desk,
        case=case,
        agency=desk_agency,
        occurred_at=timezone.now() - dt.timedelta(days=2),
        kind="phone",
        narrative=RECORD_SECRET,
    )
    case_services.plan_create(
        actor=desk, case=case, person_wishes="家で暮らしたい", goals=PLAN_SECRET, roles=[]
    )
    return case, principal, son


def consent_for(person, agencies, *, actor):
    return ConsentFactory(person=person, agencies=list(agencies), recorded_by=actor)


class ReferralFactory(DjangoModelFactory):
    """A referral sent through referrals.services.referral_send. Pass case, actor
    (a lead-agency worker), to_agency and either consent or exemption_reason+note."""

    class Meta:
        model = Referral

    reason = "母の介護保険の申請が必要"
    request = "要介護認定の申請支援をお願いしたい"
    scope = GrantScope.SUMMARY

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        case = kwargs.pop("case")
        persons = kwargs.pop("persons", None)
        if persons is None:
            persons = [cp.person for cp in case.case_persons.all()]
        return services.referral_send(case=case, persons=persons, **kwargs)


def advance(referral, status, *, sender, receiver):
    """Bring a fresh (送付) referral to status through the services."""
    paths = {
        ReferralStatus.SENT: [],
        ReferralStatus.ACCEPTED: [ReferralStatus.ACCEPTED],
        ReferralStatus.DECLINED: [ReferralStatus.DECLINED],
        ReferralStatus.IN_PROGRESS: [ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS],
        ReferralStatus.COMPLETED: [
            ReferralStatus.ACCEPTED,
            ReferralStatus.IN_PROGRESS,
            ReferralStatus.COMPLETED,
        ],
        ReferralStatus.CANCELLED: [ReferralStatus.CANCELLED],
    }
    for step in paths[status]:
        actor = sender if step == ReferralStatus.CANCELLED else receiver
        note = "対応できる職員がいない" if step == ReferralStatus.DECLINED else ""
        referral = services.referral_transition(
            actor=actor, referral=referral, to_status=step, note=note
        )
    return referral
