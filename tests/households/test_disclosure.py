"""A person's disclosure (開示請求): everything about them, in the PDF (pdftotext) and
the JSON file, nothing about people they are not linked to, third parties left out when
redaction is on, produced only by the desk's manager behind re-authentication."""

import datetime as dt
import json
import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import AccessLog, User
from cases.models import Case, SupportPlan, SupportRecord
from households.models import HouseholdMembership, Person
from intake.models import Consultation
from meetings.models import AgendaItem
from referrals.models import Referral
from tests.auth_helpers import make_stale
from tests.factories import HouseholdFactory, PersonFactory
from tests.system_tools import pdftotext, require

pytestmark = pytest.mark.django_db


def flat(text: str) -> str:
    return "".join(text.split())


def _urls(membership):
    args = [membership.household_id, membership.pk]
    return (
        reverse("households:disclosure_pdf", args=args),
        reverse("households:disclosure_json", args=args),
    )


def _get(client, membership, redact="1"):
    pdf_url, json_url = _urls(membership)
    pdf = client.get(pdf_url, {"redact": redact})
    assert pdf.status_code == 200, pdf.content[:300]
    if os.environ.get("DISCLOSURE_PDF_OUT"):  # to look at it: pdftoppm -png -r 60
        with open(os.environ["DISCLOSURE_PDF_OUT"], "wb") as out:
            out.write(pdf.content)
    assert pdf["Content-Type"] == "application/pdf"
    data = client.get(json_url, {"redact": redact})
    assert data.status_code == 200
    assert data["Content-Type"].startswith("application/json")
    return flat(pdftotext(pdf.content)), json.loads(data.content.decode("utf-8"))


def refs(data) -> set[str]:
    return {i["ref"] for s in data["sections"] for i in s["items"]}


def json_text(data) -> str:
    return flat(json.dumps(data, ensure_ascii=False))


# ---------------------------------------------------------------- the demo town


def _demo_subject():
    """The demo person with the most consultations, cases and referrals about them."""
    best, score = None, -1
    for person in Person.objects.all():
        cases = Case.objects.filter(case_persons__person=person)
        counts = [
            Consultation.objects.filter(persons=person).count(),
            cases.count(),
            Referral.objects.filter(persons=person).count(),
            SupportPlan.objects.filter(case__in=cases).count(),
            AgendaItem.objects.filter(case__in=cases).count(),
        ]
        n = sum(counts) if all(counts) else 0
        if n > score:
            best, score = person, n
    return best


def test_demo_person_disclosure_contains_everything_and_nobody_else(client_for):
    require("pdftotext")
    call_command("seed_demo", stdout=StringIO())
    manager = User.objects.get(username="kanri")
    person = _demo_subject()
    membership = HouseholdMembership.objects.filter(person=person).order_by("-pk").first()
    client = client_for(manager)
    # A read of the person's record before the disclosure: it must be in its access log.
    client.get(reverse("households:disclosure", args=[membership.household_id, membership.pk]))
    text, data = _get(client, membership)

    # What the database holds about the person, asked independently of the collector.
    consultations = Consultation.objects.filter(persons=person)
    cases = Case.objects.filter(
        Q(case_persons__person=person) | Q(consultation_links__consultation__in=consultations)
    ).distinct()
    records = (
        SupportRecord.objects.filter(case__in=cases)
        .filter(Q(persons=person) | Q(persons__isnull=True))
        .distinct()
    )
    plans = SupportPlan.objects.filter(case__in=cases)
    referrals = Referral.objects.filter(persons=person).distinct()
    items = AgendaItem.objects.filter(case__in=cases)
    logs = AccessLog.objects.filter(person_id=person.pk, at__lte=timezone.now())
    assert consultations.exists() and cases.exists() and records.exists()
    assert referrals.exists() and items.exists() and plans.exists()

    expected = (
        {f"consultation:{c.pk}" for c in consultations}
        | {f"case:{c.pk}" for c in cases}
        | {f"record:{r.pk}" for r in records}
        | {f"plan:{p.pk}" for p in plans}
        | {f"referral:{r.pk}" for r in referrals}
        | {f"agendaitem:{i.pk}" for i in items}
        | {f"membership:{m.pk}" for m in HouseholdMembership.objects.filter(person=person)}
        | {f"consent:{c.pk}" for c in person.consents.all()}
    )
    got = refs(data)
    assert expected <= got, expected - got
    # The access log: every row naming the person before the export is listed.
    assert {f"accesslog:{row.pk}" for row in logs if row.outcome != "export"} <= got
    assert data["redacted"] is True and data["subject"]["id"] == person.pk

    # The PDF holds the same: each consultation's 主訴, record and 繋ぎ reason.
    for c in consultations:
        assert flat(c.summary)[:12] in text or "［第三者］" in c.summary
    for r in records:
        snippet = flat(r.narrative)[:10]
        assert snippet in text or snippet not in json_text(data)  # scrubbed in both
    for r in referrals:
        assert flat(r.to_agency.name) in text
    assert flat(person.full_name) in text

    # Nobody from another household: no full name of a person never in the subject's
    # households appears, in the PDF or the file.
    households = HouseholdMembership.objects.filter(person=person).values("household_id")
    co_members = Person.objects.filter(household_memberships__household_id__in=households)
    strangers = Person.objects.exclude(pk__in=co_members.values("pk"))
    assert strangers.exists()
    blob = json_text(data)
    for stranger in strangers:
        name = flat(stranger.full_name)
        assert name not in text, name
        assert name not in blob, name
    # Redaction on: the other members of their households are not named either.
    for other in co_members.exclude(pk=person.pk):
        assert flat(other.full_name) not in text
        assert flat(other.full_name) not in blob


# ---------------------------------------------------------------- factory-built


@pytest.fixture
def family(desk, desk_agency):
    home = HouseholdFactory(name="青木さん世帯", registered_by_agency=desk_agency)
    subject = PersonFactory(
        household=home,
        family_name="青木",
        given_name="誠",
        family_name_kana="アオキ",
        given_name_kana="マコト",
        mobile_phone="090-1111-2222",
    )
    sister = PersonFactory(
        household=home,
        family_name="青木",
        given_name="美咲",
        family_name_kana="アオキ",
        given_name_kana="ミサキ",
        relationship="child",
    )
    elsewhere = HouseholdFactory(name="遠藤さん世帯", registered_by_agency=desk_agency)
    stranger = PersonFactory(
        household=elsewhere,
        family_name="遠藤",
        given_name="健一",
        family_name_kana="エンドウ",
        given_name_kana="ケンイチ",
    )
    both = Consultation.objects.create(
        received_at=timezone.now() - dt.timedelta(days=3),
        channel="visit",
        came_from="family",
        caller_name="青木 美咲",
        caller_relationship="妹",
        household=home,
        summary="兄の誠さんの借金について美咲さんが相談。",
        outcome="ongoing",
        received_by=desk,
        agency=desk_agency,
    )
    both.persons.set([subject, sister])
    other = Consultation.objects.create(
        received_at=timezone.now() - dt.timedelta(days=2),
        channel="phone",
        came_from="self",
        household=elsewhere,
        summary="遠藤健一さん本人からの住まいの相談。",
        outcome="ongoing",
        received_by=desk,
        agency=desk_agency,
    )
    other.persons.set([stranger])
    return {
        "home": home,
        "subject": subject,
        "sister": sister,
        "stranger": stranger,
        "consultation": both,
        "other": other,
    }


def _membership(person):
    return HouseholdMembership.objects.get(person=person, until__isnull=True)


def test_redaction_leaves_out_the_sister_and_says_why(client_for, manager, family):
    require("pdftotext")
    text, data = _get(client_for(manager), _membership(family["subject"]))
    assert f"consultation:{family['consultation'].pk}" in refs(data)
    assert f"consultation:{family['other'].pk}" not in refs(data)
    blob = json_text(data)
    for name in ("美咲", "青木美咲", "遠藤", "健一", "住まいの相談"):
        assert name not in text and name not in blob, name
    assert "青木誠" in text
    assert "借金について" in text  # the consultation itself is there, names struck out
    assert "第78条第1項第2号" in text
    assert "不開示とした部分とその理由" in text
    reasons = {o["reason"]: o["count"] for o in data["omissions"]}
    assert reasons.get("他の世帯員の氏名・続柄・連絡先") == 1
    assert reasons.get("相談者（本人以外）の氏名") == 1


def test_without_redaction_the_sister_is_named_but_never_the_stranger(client_for, manager, family):
    require("pdftotext")
    text, data = _get(client_for(manager), _membership(family["subject"]), redact="0")
    assert "青木美咲" in text and "青木美咲" in json_text(data)
    assert "遠藤" not in text and "遠藤" not in json_text(data)
    assert data["redacted"] is False


def test_export_is_logged_and_only_the_desk_manager_may(client_for, manager, desk, partner, family):
    membership = _membership(family["subject"])
    pdf_url, json_url = _urls(membership)
    before = AccessLog.objects.filter(outcome="export").count()
    # Desk staff without the manager role: refused (403), nothing exported.
    assert client_for(desk).get(json_url).status_code == 403
    # A partner who does not see the household: 404.
    assert client_for(partner).get(json_url).status_code == 404
    assert AccessLog.objects.filter(outcome="export").count() == before
    client = client_for(manager)
    assert client.get(json_url).status_code == 200
    row = AccessLog.objects.filter(outcome="export").latest("pk")
    assert row.person_id == family["subject"].pk and row.user == manager
    assert row.detail == "disclosure_json:redacted"


def test_stale_password_asks_again(client_for, manager, family):
    client = client_for(manager)
    make_stale(client)
    response = client.get(_urls(_membership(family["subject"]))[1])
    assert response.status_code == 302 and reverse("accounts:reauth") in response["Location"]
    assert not AccessLog.objects.filter(outcome="export").exists()


def test_merged_registrations_access_log_follows_the_survivor(client_for, manager, family):
    from households import services

    subject, home = family["subject"], family["home"]
    twin = PersonFactory(
        household=home,
        family_name="青木",
        given_name="誠",
        family_name_kana="アオキ",
        given_name_kana="マコト",
        relationship="other_relative",
    )
    client = client_for(manager)
    client.get(reverse("households:disclosure", args=[home.pk, _membership(twin).pk]))
    twin_id = twin.pk
    old_row = AccessLog.objects.filter(person_id=twin_id).latest("pk")
    services.person_merge(actor=manager, survivor=subject, merged=twin)
    require("pdftotext")
    _text, data = _get(client, _membership(subject))
    assert f"accesslog:{old_row.pk}" in refs(data)
    assert twin_id in data["subject"]["ids"]


def test_managers_of_other_agencies_may_not(client_for, partner_agency, family):
    from tests.factories import staff

    boss = staff(partner_agency, Role.MANAGER, username="boss")
    assert client_for(boss).get(_urls(_membership(family["subject"]))[1]).status_code in (
        403,
        404,
    )


def test_the_person_page_offers_the_disclosure_to_whoever_may_answer_it(
    client_for, manager, desk, family
):
    """The 「開示請求への対応」 button shows exactly when the disclosure page opens
    (households.access.may_answer_disclosure): a counsellor who may edit the person
    is neither offered it nor let in."""
    membership = _membership(family["subject"])
    edit = reverse("households:person_edit", args=[membership.household_id, membership.pk])
    page = reverse("households:disclosure", args=[membership.household_id, membership.pk])
    for user, offered in ((desk, False), (manager, True)):
        client = client_for(user)
        body = client.get(edit).content.decode()
        assert client.get(edit).status_code == 200
        assert (f'href="{page}"' in body) is offered, user
        assert client.get(page).status_code == (200 if offered else 403), user
