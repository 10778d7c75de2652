"""Who reads an agenda item, asked on every reading (meetings.selectors.mark_readable,
cases.sharing.at_the_table), on the page, the minutes and both PDFs.

- A 重層的支援会議 rests on the person's consent: when it is withdrawn, the member whose
  agency it covered reads the case's item no more; a new consent brings it back.
- The organiser's staff read a consent-based item only while their agency is at the
  table (the lead, or named by a valid consent): after the lead moved elsewhere and
  the consent names only that agency, the desk reads nothing of the case.
- A cancelled 支援会議 shows its members nothing (the organisers keep their record).
- Refused writes (editing an unreadable item) leave the item unchanged.
"""

import subprocess

import pytest
from django.urls import reverse

from accounts.models import AccessLog
from cases import services as case_services
from cases import sharing
from households import services as household_services
from meetings import services
from meetings.choices import MeetingKind
from meetings.models import AgendaItem
from tests.factories_meetings import (
    MeetingFactory,
    add_case_item,
    add_member,
    consent_for,
    open_case,
)
from tests.system_tools import require

pytestmark = pytest.mark.django_db

BRIEF = "父の失職後、家賃の滞納が三か月（重層資料）。"
TITLE = "中村さん世帯の支援"


@pytest.fixture
def table(desk, desk_agency, partner, partner_agency):
    """A desk-led case whose consent names the partner only, on a 重層的支援会議 the
    desk organises with the partner as a member."""
    case = open_case(agency=desk_agency, actor=desk, title=TITLE)
    consent = consent_for(case, [partner_agency], actor=desk)
    meeting = MeetingFactory(
        kind=MeetingKind.MULTILAYER_MEETING,
        title="第2回 重層的支援会議",
        chair=desk,
        organising_agency=desk_agency,
        actor=desk,
    )
    add_member(meeting, partner, actor=desk)
    item = add_case_item(meeting, case, actor=desk, brief=BRIEF)
    return case, consent, meeting, item


def _pdf_text(client, url, tmp_path) -> str:
    require("pdftotext")
    response = client.get(url)
    assert response.status_code == 200
    path = tmp_path / "out.pdf"
    path.write_bytes(response.content)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _reads(client, meeting, tmp_path) -> dict[str, bool]:
    """Where the brief appears: page, minutes, agenda PDF, minutes PDF."""
    pages = {
        "page": client.get(reverse("meetings:meeting_detail", args=[meeting.pk])),
        "minutes": client.get(reverse("meetings:minutes", args=[meeting.pk])),
    }
    out = {}
    for name, response in pages.items():
        assert response.status_code == 200
        text = response.content.decode()
        out[name] = BRIEF in text or TITLE in text
    for name in ("agenda_pdf", "minutes_pdf"):
        text = _pdf_text(client, reverse(f"meetings:{name}", args=[meeting.pk]), tmp_path)
        out[name] = "家賃の滞納" in text
    return out


def test_withdrawn_consent_hides_the_item_from_the_member_and_a_new_one_restores_it(
    client_for, desk, partner, partner_agency, table, tmp_path
):
    case, consent, meeting, item = table
    client = client_for(partner)
    assert set(_reads(client, meeting, tmp_path).values()) == {True}

    household_services.consent_withdraw(actor=desk, consent=consent)
    assert not sharing.at_the_table(case, partner_agency)
    before = AccessLog.objects.filter(user=partner, object_type="cases.case").count()
    assert set(_reads(client, meeting, tmp_path).values()) == {False}
    page = client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()
    assert "この議題の内容は表示できません" in page
    # Nothing was read, so nothing of the case is logged as read.
    assert AccessLog.objects.filter(user=partner, object_type="cases.case").count() == before

    consent_for(case, [partner_agency], actor=desk)
    assert set(_reads(client, meeting, tmp_path).values()) == {True}


def test_organiser_no_longer_at_the_table_reads_nothing_and_cannot_edit(
    client_for, desk, partner_agency, table, tmp_path
):
    case, consent, meeting, item = table
    client = client_for(desk)
    assert set(_reads(client, meeting, tmp_path).values()) == {True}

    case_services.case_update(actor=desk, case=case, lead_agency=partner_agency)
    assert set(_reads(client, meeting, tmp_path).values()) == {False}

    edit = reverse("meetings:item_edit", args=[meeting.pk, item.pk])
    assert client.get(edit).status_code == 404
    response = client.post(
        edit, {"title": "書き換え", "brief": "書き換え", "version": item.version}
    )
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.brief == BRIEF and item.title != "書き換え"


def test_cancelled_support_meeting_shows_members_nothing(
    client_for, desk, desk_agency, partner, coordinator
):
    case = open_case(agency=desk_agency, actor=desk, title="秘匿の支援")
    meeting = MeetingFactory(
        kind=MeetingKind.SUPPORT_MEETING,
        title="第3回 支援会議",
        chair=desk,
        organising_agency=desk_agency,
    )
    add_member(meeting, partner, actor=desk)
    add_case_item(meeting, case, actor=desk, brief=BRIEF)
    member = client_for(partner)
    detail = reverse("meetings:meeting_detail", args=[meeting.pk])
    assert BRIEF in member.get(detail).content.decode()

    services.meeting_cancel(actor=desk, meeting=meeting, reason="日程の都合")
    page = member.get(detail)
    assert page.status_code == 200 and BRIEF not in page.content.decode()
    assert member.get(reverse("meetings:minutes", args=[meeting.pk])).status_code == 404
    # The organisers keep their record of what was to be discussed.
    assert BRIEF in client_for(coordinator).get(detail).content.decode()
    assert AgendaItem.objects.filter(meeting=meeting, brief=BRIEF).count() == 1
