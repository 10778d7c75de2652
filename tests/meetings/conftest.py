"""Situations the meeting tests speak of.

- secret_case: a desk-led case whose household gave no consent at all.
- consented_case: a desk-led case whose consent names the desk and the partner agency,
  with a plan whose 本人同意 is recorded (waiting for approval).
- support_meeting: a 支援会議 held an hour ago by the desk (chair: desk), the partner
  a member who acknowledged 守秘義務, secret_case on the agenda.
- multilayer_meeting: a 重層的支援会議 held an hour ago (chair: coordinator), the
  partner a member, consented_case on the agenda.
"""

import pytest

from meetings.choices import MeetingKind
from tests.factories_meetings import (
    MeetingFactory,
    add_case_item,
    add_member,
    consent_for,
    consented_plan,
    open_case,
)

SECRET_BRIEF = "長男が十年ひきこもり、母の介護も滞っている（秘匿資料）。"


@pytest.fixture
def secret_case(desk, desk_agency):
    return open_case(agency=desk_agency, actor=desk, title="鈴木さん世帯（8050）の支援")


@pytest.fixture
def consented_case(desk, desk_agency, partner_agency):
    case = open_case(agency=desk_agency, actor=desk, title="佐藤さん世帯の支援")
    consent = consent_for(case, [desk_agency, partner_agency], actor=desk)
    case.consent = consent
    case.plan = consented_plan(
        case,
        consent,
        actor=desk,
        roles=[{"concern": "母の介護", "agency": partner_agency, "method": "ケアプランの調整"}],
    )
    return case


@pytest.fixture
def support_meeting(desk, desk_agency, partner, secret_case):
    meeting = MeetingFactory(
        kind=MeetingKind.SUPPORT_MEETING,
        title="第1回 支援会議",
        chair=desk,
        organising_agency=desk_agency,
    )
    meeting.partner_member = add_member(meeting, partner, actor=desk)
    meeting.case_item = add_case_item(meeting, secret_case, actor=desk, brief=SECRET_BRIEF)
    return meeting


@pytest.fixture
def multilayer_meeting(desk, coordinator, desk_agency, partner, consented_case):
    meeting = MeetingFactory(
        kind=MeetingKind.MULTILAYER_MEETING,
        title="第1回 重層的支援会議",
        chair=coordinator,
        organising_agency=desk_agency,
        actor=desk,
    )
    meeting.partner_member = add_member(meeting, partner, actor=desk)
    meeting.case_item = add_case_item(meeting, consented_case, actor=desk)
    return meeting
