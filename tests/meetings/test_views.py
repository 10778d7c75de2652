import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.choices import GrantScope, PlanStatus
from meetings import services
from meetings.choices import MeetingKind, MeetingStatus, Topic
from meetings.models import AgendaItem, Meeting
from tests.factories_meetings import (
    MeetingFactory,
    add_case_item,
    add_member,
    consent_for,
    open_case,
)
from tests.meetings.conftest import SECRET_BRIEF

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- create and agenda


def test_desk_schedules_a_meeting_with_a_wareki_date(client_for, desk, desk_agency):
    response = client_for(desk).post(
        reverse("meetings:meeting_create"),
        {
            "kind": MeetingKind.SUPPORT_MEETING,
            "title": "第7回 支援会議",
            "date": "R7.6.12",
            "start_time": "14:00",
            "end_time": "15:30",
            "place": "小会議室",
            "organising_agency": desk_agency.pk,
            "chair": desk.pk,
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:meeting_detail", args=[meeting.pk])
    local = timezone.localtime(meeting.starts_at)
    assert (local.date(), local.hour, local.minute) == (dt.date(2025, 6, 12), 14, 0)
    assert meeting.history.first().history_user == desk


def test_meeting_form_errors_are_japanese_and_beside_the_field(client_for, desk, desk_agency):
    response = client_for(desk).post(
        reverse("meetings:meeting_create"),
        {
            "kind": MeetingKind.SUPPORT_MEETING,
            "date": "H40.1.1",
            "start_time": "15:00",
            "end_time": "14:00",
            "organising_agency": desk_agency.pk,
            "chair": desk.pk,
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error"' in html and "終了時刻は開始時刻より後にしてください。" in html
    assert not Meeting.objects.exists()


def test_partner_cannot_schedule_meetings(client_for, partner, desk_agency):
    client = client_for(partner)
    assert client.get(reverse("meetings:meeting_create")).status_code == 404
    response = client.post(
        reverse("meetings:meeting_create"),
        {"kind": MeetingKind.SUPPORT_MEETING, "date": "2026-11-30", "time": "10:00"},
    )
    assert response.status_code == 404
    assert not Meeting.objects.exists()


def test_consentless_case_refused_in_the_agenda_form(
    client_for, desk, coordinator, desk_agency, partner, secret_case
):
    meeting = MeetingFactory(
        kind=MeetingKind.MULTILAYER_MEETING, chair=coordinator, organising_agency=desk_agency
    )
    add_member(meeting, partner, actor=desk)
    response = client_for(desk).post(
        reverse("meetings:item_add", args=[meeting.pk]),
        {"topic": Topic.CASE, "case": secret_case.pk, "brief": "資料"},
    )
    assert response.status_code == 200
    assert "有効な本人同意が記録されていない" in response.content.decode()
    assert not AgendaItem.objects.exists()


def test_add_member_and_case_through_the_pages(client_for, desk, desk_agency, partner, secret_case):
    meeting = MeetingFactory(chair=desk, organising_agency=desk_agency)
    client = client_for(desk)
    membership = partner.memberships.get()
    client.post(reverse("meetings:member_add", args=[meeting.pk]), {"membership": membership.pk})
    client.post(
        reverse("meetings:item_add", args=[meeting.pk]),
        {"topic": Topic.CASE, "case": secret_case.pk, "brief": SECRET_BRIEF},
    )
    assert meeting.members.get().user == partner
    assert meeting.items.get().case == secret_case
    html = client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()
    assert SECRET_BRIEF in html and "未確認" in html


# ---------------------------------------------------------------- minutes: autosave, finalise


def test_autosave_answers_a_fragment_with_the_new_version(client_for, desk, support_meeting):
    item = support_meeting.case_item
    prefix = f"item{item.pk}"
    response = client_for(desk).post(
        reverse("meetings:minutes_save", args=[support_meeting.pk, item.pk]),
        {
            f"{prefix}-discussion": "学校から欠席の状況を聞いた。",
            f"{prefix}-decisions": "",
            f"{prefix}-next_review_on": "",
            f"{prefix}-version": item.version,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    item.refresh_from_db()
    assert "保存しました" in html
    assert f'value="{item.version}" id="id_{prefix}-version" hx-swap-oob="true"' in html
    assert item.discussion == "学校から欠席の状況を聞いた。"


def test_autosave_from_a_stale_page_says_so_and_keeps_the_text(
    client_for, desk, coordinator, support_meeting
):
    item = support_meeting.case_item
    loaded = item.version
    services.minutes_save(actor=coordinator, item=item, discussion="先の記録", decisions="")
    prefix = f"item{item.pk}"
    response = client_for(desk).post(
        reverse("meetings:minutes_save", args=[support_meeting.pk, item.pk]),
        {f"{prefix}-discussion": "後の記録", f"{prefix}-version": loaded},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "最新の内容を確認" in html
    assert "hx-swap-oob" not in html
    item.refresh_from_db()
    assert item.discussion == "先の記録"


def test_autosave_with_a_bad_date_shows_the_error_not_a_500(client_for, desk, support_meeting):
    item = support_meeting.case_item
    prefix = f"item{item.pk}"
    response = client_for(desk).post(
        reverse("meetings:minutes_save", args=[support_meeting.pk, item.pk]),
        {f"{prefix}-next_review_on": "R99.99.99", f"{prefix}-version": item.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "次回検討日" in response.content.decode()


def test_minutes_page_has_autosave_forms_for_runners_only(
    client_for, desk, partner, support_meeting
):
    url = reverse("meetings:minutes", args=[support_meeting.pk])
    assert "hx-post" in client_for(desk).get(url).content.decode()
    assert "hx-post" not in client_for(partner).get(url).content.decode()


def test_chair_finalises_then_addenda(client_for, desk, support_meeting):
    client = client_for(desk)
    client.post(reverse("meetings:meeting_finalise", args=[support_meeting.pk]))
    support_meeting.refresh_from_db()
    assert support_meeting.status == MeetingStatus.FINALISED
    page = client.get(reverse("meetings:minutes", args=[support_meeting.pk])).content.decode()
    assert "hx-post" not in page and "追記する" in page
    client.post(
        reverse("meetings:addendum_add", args=[support_meeting.pk]),
        {"item": support_meeting.case_item.pk, "text": "訪問日を6月20日に変更。"},
    )
    page = client.get(reverse("meetings:minutes", args=[support_meeting.pk])).content.decode()
    assert "訪問日を6月20日に変更。" in page


# ---------------------------------------------------------------- decisions


def test_plan_approval_through_the_page_activates_the_plan(
    client_for, coordinator, multilayer_meeting, consented_case
):
    item = multilayer_meeting.case_item
    client = client_for(coordinator)
    page = client.get(reverse("meetings:minutes", args=[multilayer_meeting.pk])).content.decode()
    assert "プラン承認の対象: 第1版" in page
    client.post(
        reverse("meetings:item_decide", args=[multilayer_meeting.pk, item.pk]),
        {f"d{item.pk}-decision": "plan_approval"},
    )
    consented_case.plan.refresh_from_db()
    assert consented_case.plan.status == PlanStatus.ACTIVE
    case_page = client.get(reverse("cases:case_detail", args=[consented_case.pk]))
    assert "実施中の支援プラン" in case_page.content.decode()
    assert "ケアプランの調整" in case_page.content.decode()


def test_closure_without_reason_kind_is_refused_in_the_form(
    client_for, coordinator, multilayer_meeting, consented_case
):
    item = multilayer_meeting.case_item
    response = client_for(coordinator).post(
        reverse("meetings:item_decide", args=[multilayer_meeting.pk, item.pk]),
        {f"d{item.pk}-decision": "closure"},
        follow=True,
    )
    assert "終結するには終結理由を選んでください。" in response.content.decode()
    consented_case.refresh_from_db()
    assert consented_case.status != "closed"


# ---------------------------------------------------------------- the case page and timeline


@pytest.fixture
def shared_case(desk, desk_agency, partner_agency):
    """A case shared with the partner on consent (records), discussed at a 支援会議
    the partner did not attend and at a 重層的支援会議."""
    case = open_case(agency=desk_agency, actor=desk, title="共有ケース")
    consent = consent_for(case, [desk_agency, partner_agency], actor=desk)
    case_services.case_share(
        actor=desk, case=case, agency=partner_agency, scope=GrantScope.RECORDS, consent=consent
    )
    support = MeetingFactory(chair=desk, organising_agency=desk_agency, title="非公開の支援会議")
    item = add_case_item(support, case, actor=desk)
    services.minutes_save(actor=desk, item=item, discussion="", decisions="支援会議だけの決定")
    multilayer = MeetingFactory(
        kind=MeetingKind.MULTILAYER_MEETING,
        chair=desk,
        organising_agency=desk_agency,
        title="公開の重層的支援会議",
    )
    item = add_case_item(multilayer, case, actor=desk)
    services.minutes_save(actor=desk, item=item, discussion="", decisions="重層の決定")
    return case


def test_support_meeting_hidden_from_consent_based_case_views(client_for, partner, shared_case):
    html = client_for(partner).get(reverse("cases:case_detail", args=[shared_case.pk]))
    html = html.content.decode()
    assert "公開の重層的支援会議" in html and "重層の決定" in html
    assert "非公開の支援会議" not in html and "支援会議だけの決定" not in html


def test_lead_agency_sees_both_on_timeline_and_panel(client_for, manager, shared_case):
    html = client_for(manager).get(reverse("cases:case_detail", args=[shared_case.pk]))
    html = html.content.decode()
    assert "非公開の支援会議" in html and "支援会議だけの決定" in html
    assert "公開の重層的支援会議" in html


def test_acknowledged_member_sees_the_support_meeting_on_the_case_they_share(
    client_for, desk, partner, shared_case
):
    support = Meeting.objects.get(title="非公開の支援会議")
    member = add_member(support, partner, actor=desk, acknowledge=False)
    client = client_for(partner)
    url = reverse("cases:case_detail", args=[shared_case.pk])
    assert "非公開の支援会議" not in client.get(url).content.decode()
    services.member_acknowledge(actor=partner, member=member)
    assert "支援会議だけの決定" in client.get(url).content.decode()


def test_case_meeting_history_page_follows_the_same_rule(client_for, partner, manager, shared_case):
    url = reverse("meetings:case_meetings", args=[shared_case.pk])
    partner_html = client_for(partner).get(url).content.decode()
    assert "公開の重層的支援会議" in partner_html and "非公開の支援会議" not in partner_html
    manager_html = client_for(manager).get(url).content.decode()
    assert "非公開の支援会議" in manager_html


def test_cancelled_meetings_leave_the_timeline(client_for, desk, manager, shared_case):
    support = Meeting.objects.get(title="非公開の支援会議")
    services.meeting_cancel(actor=desk, meeting=support, reason="中止")
    html = client_for(manager).get(reverse("cases:case_detail", args=[shared_case.pk]))
    assert "非公開の支援会議" not in html.content.decode()


# ---------------------------------------------------------------- home: 自機関の担当


def test_tasks_on_the_agency_home_page_and_done(
    client_for, desk, partner, partner_agency, support_meeting
):
    from accounts.choices import Role
    from tests.factories import staff

    colleague = staff(partner_agency, Role.PARTNER_STAFF, username="colleague")
    services.role_assign(
        actor=desk,
        item=support_meeting.case_item,
        agency=partner_agency,
        task="自宅を訪問して様子を確認",
        due_on=timezone.localdate() + dt.timedelta(days=3),
    )
    client = client_for(partner)
    html = client.get(reverse("home")).content.decode()
    assert "自機関の担当" in html and "自宅を訪問して様子を確認" in html
    # a colleague who is not bound by this 支援会議's 守秘義務 sees nothing of it
    colleague_html = client_for(colleague).get(reverse("home")).content.decode()
    assert "自宅を訪問して様子を確認" not in colleague_html
    client = client_for(partner)
    task = support_meeting.case_item.roles.get()
    response = client.post(reverse("meetings:task_done", args=[task.pk]))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done_by == partner
    html = client.get(reverse("home")).content.decode()
    assert "「自宅を訪問して様子を確認」を完了にしました。" in html
    assert 'id="agency-tasks"' not in html


def test_multilayer_tasks_show_to_every_staff_of_the_agency(
    client_for, desk, partner_agency, multilayer_meeting
):
    from accounts.choices import Role
    from tests.factories import staff

    colleague = staff(partner_agency, Role.PARTNER_STAFF, username="colleague")
    services.role_assign(
        actor=desk, item=multilayer_meeting.case_item, agency=partner_agency, task="ケアプラン調整"
    )
    html = client_for(colleague).get(reverse("home")).content.decode()
    assert "ケアプラン調整" in html
    assert "佐藤さん世帯の支援" not in html  # the colleague does not see the case itself


# ---------------------------------------------------------------- list and filters


def test_list_filters_by_kind_and_period(client_for, desk, desk_agency):
    now = timezone.now()
    MeetingFactory(
        chair=desk,
        organising_agency=desk_agency,
        title="過去の支援会議",
        starts_at=now - dt.timedelta(days=40),
    )
    MeetingFactory(
        chair=desk,
        organising_agency=desk_agency,
        title="来週の支援会議",
        starts_at=now + dt.timedelta(days=7),
    )
    MeetingFactory(
        chair=desk,
        organising_agency=desk_agency,
        title="来週の重層",
        kind=MeetingKind.MULTILAYER_MEETING,
        starts_at=now + dt.timedelta(days=8),
    )
    client = client_for(desk)
    url = reverse("meetings:meeting_list")
    upcoming = client.get(url).content.decode()
    assert "来週の支援会議" in upcoming and "来週の重層" in upcoming
    assert "過去の支援会議" not in upcoming
    past = client.get(url, {"when": "past"}).content.decode()
    assert "過去の支援会議" in past and "来週の支援会議" not in past
    kind = client.get(url, {"when": "all", "kind": "multilayer"}).content.decode()
    assert "来週の重層" in kind and "来週の支援会議" not in kind
    day = timezone.localtime(now + dt.timedelta(days=7)).date()
    period = client.get(
        url, {"when": "all", "date_from": day.isoformat(), "date_to": day.isoformat()}
    ).content.decode()
    assert "来週の支援会議" in period and "来週の重層" not in period


def test_list_shows_nothing_of_others_meetings(client_for, outsider, support_meeting):
    html = client_for(outsider).get(reverse("meetings:meeting_list"), {"when": "all"})
    assert support_meeting.title not in html.content.decode()


def test_home_lists_upcoming_meetings_and_pending_pledges(
    client_for, desk, desk_agency, partner, outsider
):
    meeting = MeetingFactory(
        chair=desk,
        organising_agency=desk_agency,
        title="来週の支援会議",
        starts_at=timezone.now() + dt.timedelta(days=5),
    )
    add_member(meeting, partner, actor=desk, acknowledge=False)
    html = client_for(partner).get(reverse("home")).content.decode()
    assert "来週の支援会議" in html and "守秘義務の確認待ち" in html
    assert "来週の支援会議" not in client_for(outsider).get(reverse("home")).content.decode()
    desk_html = client_for(desk).get(reverse("home")).content.decode()
    assert "来週の支援会議" in desk_html and "守秘義務の確認待ち" not in desk_html
    assert reverse("meetings:meeting_list") in desk_html
