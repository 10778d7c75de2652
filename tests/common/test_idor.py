"""IDOR sweep: every URL that names an object by id answers 404, and changes nothing,
to a user of another agency the object was never shared with.

The URL resolver is walked for every pattern taking a keyword argument (any converter,
regex groups included); each URL name must have a builder below that fills its ids with
objects of another agency, or be listed in SHARED_BY_DESIGN with the reason it is
visible across agencies. A new object URL without either fails test_every_object_url_is_covered.

Two worlds are built per scenario: the foreign one (what the requester must not reach:
a household, case, plan, consultation, meeting, referral, report ... of another agency,
shared with a third agency so that sharing with someone else is seen not to leak) and
the requester's own (the same objects of the requester's agency). Each URL is probed

- with the foreign ids (GET and POST: 404; a GET-only or POST-only view may answer 405,
  which does not depend on the object);
- for nested URLs (/<pk>/.../<child_pk>/) with the requester's own parent and a foreign
  child (404 too: a child is looked up under its parent);
- as a control, GET with the requester's own ids must not be 404, so the 404s above come
  from the access rule and not from a builder that builds nothing useful.

"No DB change" is checked two ways: no INSERT/UPDATE/DELETE statement runs during a
probe (except the session row and the access log's refusal rows), and a fingerprint of
every table is the same before and after all probes.
"""

import datetime as dt
import hashlib
import re
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.choices import AgencyKind, Role
from accounts.models import AccessLog
from cases import attachments as case_attachments
from cases import services as case_services
from cases.choices import CasePersonRole, GrantScope, RecordKind
from households import attachments as household_attachments
from households import services as household_services
from households.choices import RelatedRelation, Relationship
from imports import services as import_services
from imports.models import ExportStatus
from intake import attachments as intake_attachments
from intake import services as intake_services
from intake.choices import CameFrom, Channel, Outcome
from meetings import attachments as meeting_attachments
from meetings import services as meeting_services
from meetings.choices import MeetingKind
from tests.factories import (
    AgencyFactory,
    ConsentFactory,
    DistrictFactory,
    HouseholdFactory,
    PersonFactory,
    staff,
)
from tests.factories_community import (
    ActivityLogFactory,
    CommunityIssueFactory,
    CommunityResourceFactory,
)
from tests.factories_intake import ConnectSheetFactory, category
from tests.factories_meetings import MeetingFactory, add_case_item, add_member
from tests.factories_outreach import OutreachTargetFactory, VisitCampaignFactory
from tests.factories_participation import OpportunityFactory, PlacementFactory
from tests.factories_referrals import ReferralFactory
from tests.factories_reports import MonthlyReportFactory, finish_report
from tests.imports.helpers import book_bytes, upload
from tests.url_walk import all_routes

# ---------------------------------------------------------------- the URL map


def _object_routes(patterns=None, namespace=""):
    """(URL name, sorted kwarg names) of every pattern that takes keyword arguments."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _object_routes(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern):
            kwargs = tuple(sorted(entry.pattern.regex.groupindex))
            if kwargs:
                yield f"{namespace}{entry.name or entry.pattern}", kwargs


OBJECT_ROUTES = dict(_object_routes())

# Object URLs every logged-in case worker may reach whatever agency they belong to, by
# design (DESIGN.md "Who may see what"; the apps' selectors say the same), and URLs
# whose keyword argument names no object at all (what they answer is the same for every
# user they answer). Not probed.
SHARED_BY_DESIGN = {
    "imports:template": "code is a ledger code (households, cases ...), not an object: an "
    "empty template whose pick-lists are the requesting desk manager's own agency",
    "referrals:agency_detail": "関係機関の名簿: every logged-in user reads the agency directory",
    "community:district_detail": "地区ページ: counts only, no person; every case worker",
    "community:resource_detail": "地域資源 are public community places; every case worker",
    "community:activity_add": "any case worker who attended logs an activity of a resource",
    "community:activity_detail": "活動記録 are counts by age band, no person; every case worker",
    "community:issue_detail": "地域課題 are counted from cases, no person; every case worker",
    "participation:opportunity_detail": "参加先 are not personal data; every case worker",
    "participation:opportunity_edit": "参加先 are kept by desk staff and every 推進員 (coordinator)",
    "participation:host_log_detail": "受入先開拓 logs are not personal data; every case worker",
    "participation:host_log_edit": "受入先開拓 logs are kept by desk staff and every 推進員",
    "cases:calendar_ical": "token is a secret, not an object id: only its hash is stored and "
    "it answers its own user's feed (tests/cases/test_calendar.py), 404 otherwise",
}
# The Django admin (is_staff only) is tested apart: test_admin_object_urls_need_staff.
ADMIN_PREFIX = "admin:"

# What the desk's staff see of every agency, by design: all つなぐシート (they are sent
# to the desk), all アウトリーチ targets and 世帯訪問調査, all 参加支援 placements, and
# they manage the community pages. Not probed with desk requesters.
DESK_SEES_ALL = {
    "intake:sheet_detail",
    "intake:sheet_take_up",
    "intake:sheet_return",
    "intake:sheet_pdf",
    "outreach:target_detail",
    "outreach:target_edit",
    "outreach:target_status",
    "outreach:contact_add",
    "outreach:target_connect",
    "outreach:campaign_detail",
    "outreach:campaign_edit",
    "outreach:campaign_add_households",
    "outreach:campaign_make_targets",
    "outreach:visit_edit",
    "participation:placement_detail",
    "participation:placement_edit",
    "participation:placement_status",
    "participation:follow_up_add",
    "community:resource_edit",
    "community:activity_edit",
    "community:issue_edit",
    "community:issue_status",
    "community:issue_action_add",
}


def _case(w):
    return {"pk": w.case.pk}


def _plan(w):
    return {"pk": w.case.pk, "plan_pk": w.plan.pk}


def _household(w):
    return {"pk": w.household.pk}


def _meeting(w):
    return {"pk": w.meeting.pk}


def _member(w):
    return {"pk": w.meeting.pk, "member_pk": w.member.pk}


def _item(w):
    return {"pk": w.meeting.pk, "item_pk": w.item.pk}


def _referral(w):
    return {"pk": w.referral.pk}


def _report(w):
    return {"pk": w.report.pk}


def _sheet(w):
    return {"pk": w.sheet.pk}


def _target(w):
    return {"pk": w.target.pk}


def _campaign(w):
    return {"pk": w.campaign.pk}


def _placement(w):
    return {"pk": w.placement.pk}


def _issue(w):
    return {"pk": w.issue.pk}


def _person(w):
    return {"pk": w.household.pk, "membership_pk": w.membership.pk}


def _batch(w):
    return {"pk": w.batch.pk}


def _export(w):
    return {"pk": w.export.pk}


# URL name -> the kwargs naming objects of world w.
BUILDERS = {
    # households
    "households:detail": _household,
    "households:edit": _household,
    "households:member_add": _household,
    "households:person_edit": _person,
    "households:disclosure": _person,
    "households:disclosure_pdf": _person,
    "households:disclosure_json": _person,
    "households:person_move": _person,
    "households:person_merge": _person,
    "households:related_add": _household,
    "households:related_remove": lambda w: {"pk": w.household.pk, "related_pk": w.related.pk},
    "households:eco_tie": _household,
    "households:consent_add": _household,
    "households:history": _household,
    "households:person_history": _person,
    "households:consent_withdraw": lambda w: {"pk": w.household.pk, "consent_pk": w.consent.pk},
    "households:attachments": _household,
    "households:attachment_download": lambda w: {
        "pk": w.household.pk,
        "attachment_pk": w.household_attachment.pk,
    },
    "households:attachment_withdraw": lambda w: {
        "pk": w.household.pk,
        "attachment_pk": w.household_attachment.pk,
    },
    "households:consent_attachments": lambda w: {"pk": w.household.pk, "consent_pk": w.consent.pk},
    "households:consent_attachment_download": lambda w: {
        "pk": w.household.pk,
        "consent_pk": w.consent.pk,
        "attachment_pk": w.consent_attachment.pk,
    },
    "households:consent_attachment_withdraw": lambda w: {
        "pk": w.household.pk,
        "consent_pk": w.consent.pk,
        "attachment_pk": w.consent_attachment.pk,
    },
    # intake
    "intake:consultation_detail": lambda w: {"pk": w.consultation.pk},
    "intake:consultation_attachments": lambda w: {"pk": w.consultation.pk},
    "intake:consultation_attachment_download": lambda w: {
        "pk": w.consultation.pk,
        "attachment_pk": w.consultation_attachment.pk,
    },
    "intake:consultation_attachment_withdraw": lambda w: {
        "pk": w.consultation.pk,
        "attachment_pk": w.consultation_attachment.pk,
    },
    "intake:consultation_edit": lambda w: {"pk": w.consultation.pk},
    "intake:consultation_pdf": lambda w: {"pk": w.consultation.pk},
    "intake:consultation_correct": lambda w: {"pk": w.consultation.pk},
    "intake:consultation_history": lambda w: {"pk": w.consultation.pk},
    "intake:sheet_detail": _sheet,
    "intake:sheet_take_up": _sheet,
    "intake:sheet_return": _sheet,
    "intake:sheet_pdf": _sheet,
    # cases
    "cases:case_detail": _case,
    "cases:attachments": _case,
    "cases:attachment_download": lambda w: {"pk": w.case.pk, "attachment_pk": w.case_attachment.pk},
    "cases:attachment_withdraw": lambda w: {"pk": w.case.pk, "attachment_pk": w.case_attachment.pk},
    "cases:case_timeline": _case,
    "cases:case_edit": _case,
    "cases:case_status": _case,
    "cases:record_add": _case,
    "cases:records_pdf": _case,
    "cases:assessment_add": _case,
    "cases:plan_add": _case,
    "cases:plan_detail": _plan,
    "cases:plan_edit": _plan,
    "cases:plan_consent": _plan,
    "cases:plan_consent_new": _plan,
    "cases:plan_approve": _plan,
    "cases:plan_review": _plan,
    "cases:plan_revise": _plan,
    "cases:plan_pdf": _plan,
    "cases:case_share": _case,
    "cases:access_preview": _case,
    "cases:grant_end": lambda w: {"pk": w.case.pk, "grant_pk": w.grant.pk},
    "cases:consultation_add": _case,
    "cases:consultation_link": lambda w: {"consultation_pk": w.loose_consultation.pk},
    # printed forms, 訂正, 変更履歴 (cases/views_papers.py)
    "cases:record_detail": lambda w: {"pk": w.case.pk, "record_pk": w.record.pk},
    "cases:record_correct": lambda w: {"pk": w.case.pk, "record_pk": w.record.pk},
    "cases:case_history": _case,
    "cases:plan_history": _plan,
    "cases:assessment_pdf": lambda w: {"pk": w.case.pk, "assessment_pk": w.assessment.pk},
    "cases:facesheet_pdf": lambda w: {"household_pk": w.household.pk},
    # meetings
    "meetings:meeting_detail": _meeting,
    "meetings:attachments": _meeting,
    "meetings:attachment_download": lambda w: {
        "pk": w.meeting.pk,
        "attachment_pk": w.meeting_attachment.pk,
    },
    "meetings:attachment_withdraw": lambda w: {
        "pk": w.meeting.pk,
        "attachment_pk": w.meeting_attachment.pk,
    },
    "meetings:meeting_edit": _meeting,
    "meetings:meeting_cancel": _meeting,
    "meetings:meeting_finalise": _meeting,
    "meetings:member_add": _meeting,
    "meetings:member_remove": _member,
    "meetings:member_acknowledge": _member,
    "meetings:attendance": _member,
    "meetings:attendee_add": _meeting,
    "meetings:external_add": _meeting,
    "meetings:external_remove": lambda w: {"pk": w.meeting.pk, "external_pk": w.external.pk},
    "meetings:item_add": _meeting,
    "meetings:item_edit": _item,
    "meetings:item_remove": _item,
    "meetings:minutes_save": _item,
    "meetings:item_decide": _item,
    "meetings:role_add": _item,
    "meetings:role_remove": lambda w: {"pk": w.meeting.pk, "role_pk": w.role.pk},
    "meetings:minutes": _meeting,
    "meetings:minutes_correct": lambda w: {"pk": w.finalised.pk, "item_pk": w.finalised.item.pk},
    "meetings:addendum_add": _meeting,
    "meetings:minutes_pdf": _meeting,
    "meetings:agenda_pdf": _meeting,
    "meetings:task_done": lambda w: {"task_pk": w.role.pk},
    "meetings:case_meetings": lambda w: {"case_pk": w.case.pk},
    # referrals
    "referrals:referral_detail": _referral,
    "referrals:referral_accept": _referral,
    "referrals:referral_decline": _referral,
    "referrals:referral_start": _referral,
    "referrals:referral_complete": _referral,
    "referrals:referral_cancel": _referral,
    "referrals:record_add": _referral,
    "referrals:agency_edit": lambda w: {"pk": w.agency.pk},  # administrators only
    # outreach
    "outreach:target_detail": _target,
    "outreach:target_edit": _target,
    "outreach:target_status": _target,
    "outreach:contact_add": _target,
    "outreach:target_connect": _target,
    "outreach:campaign_detail": _campaign,
    "outreach:campaign_edit": _campaign,
    "outreach:campaign_add_households": _campaign,
    "outreach:campaign_make_targets": _campaign,
    "outreach:visit_edit": lambda w: {"pk": w.campaign.pk, "visit_pk": w.visit.pk},
    # participation
    "participation:placement_detail": _placement,
    "participation:placement_edit": _placement,
    "participation:placement_status": _placement,
    "participation:follow_up_add": _placement,
    # community (written by desk staff, activities by their recorder)
    "community:resource_edit": lambda w: {"pk": w.resource.pk},
    "community:activity_edit": lambda w: {"pk": w.activity.pk},
    "community:issue_edit": _issue,
    "community:issue_status": _issue,
    "community:issue_action_add": _issue,
    # accounts: the 職員 page's rows, for the membership's agency's managers only
    "accounts:staff_role": lambda w: {"pk": w.agency.memberships.order_by("pk")[0].pk},
    "accounts:staff_end": lambda w: {"pk": w.agency.memberships.order_by("pk")[0].pk},
    "accounts:staff_password": lambda w: {"pk": w.agency.memberships.order_by("pk")[0].pk},
    "accounts:staff_two_factor": lambda w: {"pk": w.agency.memberships.order_by("pk")[0].pk},
    # reports
    "reports:report_detail": _report,
    "reports:report_status": _report,
    "reports:download_pdf": _report,
    "reports:download_xlsx": _report,
    # imports: a batch or an export is its desk manager's own (imports/views.py)
    "imports:batch_detail": _batch,
    "imports:batch_decide": _batch,
    "imports:batch_commit": _batch,
    "imports:batch_status": _batch,
    "imports:export_detail": _export,
    "imports:export_status": _export,
    "imports:export_download": _export,
}
# Only a desk's 管理者 imports and exports (imports.services.manager_agency).
IMPORTS = {name for name in BUILDERS if name.startswith("imports:")}

# Object ids passed in the query string (or the posted form) rather than the path.
QUERY_PROBES = [
    ("cases:case_open", lambda w: {"household": w.household.pk}),
    ("cases:case_open", lambda w: {"consultation": w.loose_consultation.pk}),
    ("referrals:referral_new", lambda w: {"case": w.case.pk}),
    ("referrals:consent_options", lambda w: {"case": w.case.pk}),
    ("intake:household_members", lambda w: {"household": w.household.pk}),
    ("outreach:target_create", lambda w: {"household": w.household.pk}),
    ("participation:placement_create", lambda w: {"case": w.case.pk}),
    ("participation:placement_create", lambda w: {"household": w.household.pk}),
]

# A generic body for POST probes: the refusal comes before any form is read.
POST_BODY = {
    "note": "IDOR",
    "reason": "IDOR",
    "text": "IDOR",
    "task": "IDOR",
    "title": "IDOR",
    "brief": "IDOR",
    "name": "IDOR",
    "narrative": "IDOR",
    "attended": "1",
    "to_status": "closed",
    "withdrawn_on": "2024-01-01",
}

# ---------------------------------------------------------------- the worlds


class World:
    """The objects of one agency (attributes are set by build_world)."""


def build_world(*, agency, lead, coord, third_agency, third_user, tag):
    """A household with two members and a consent naming third_agency, a consultation
    and a case on it (shared with third_agency by that consent: RECORDS), a plan, a
    support record, a consultation not on a case, a 支援会議 organised by agency with
    third_user a member and the case on the agenda (a role for agency), a referral to
    third_agency, and a finished monthly report of agency."""
    w = World()
    w.agency = agency
    w.district = DistrictFactory(name=f"{tag}区")
    w.household = HouseholdFactory(
        registered_by_agency=agency, actor=lead, name=f"{tag}さん世帯", district=w.district
    )
    w.person = PersonFactory(household=w.household, actor=lead, family_name=tag)
    w.son = PersonFactory(
        household=w.household,
        actor=lead,
        family_name=tag,
        birth_date=dt.date(1978, 7, 7),
        relationship=Relationship.CHILD,
    )
    w.membership = w.household.memberships.get(person=w.person)
    w.related = household_services.related_person_add(
        actor=lead,
        household=w.household,
        of_person=w.person,
        relation=RelatedRelation.CHILD,
        label=f"{tag} 長女",
    )
    w.consent = ConsentFactory(person=w.person, agencies=[third_agency], recorded_by=lead)
    other = category("その他")
    consultation_fields = {
        "actor": lead,
        "agency": agency,
        "channel": Channel.PHONE,
        "came_from": CameFrom.SELF,
        "household": w.household,
        "persons": [w.person],
        "categories": [other],
        "primary_category": other,
        "summary": f"{tag}の相談（秘）",
        "outcome": Outcome.ONGOING,
    }
    w.consultation = intake_services.consultation_create(
        received_at=timezone.now() - dt.timedelta(days=3), **consultation_fields
    )
    w.loose_consultation = intake_services.consultation_create(
        received_at=timezone.now() - dt.timedelta(days=1), **consultation_fields
    )
    w.case = case_services.case_open(
        actor=lead,
        household=w.household,
        lead_agency=agency,
        lead_staff=lead,
        title=f"{tag}さん世帯の支援",
        persons=[(w.person, CasePersonRole.PRINCIPAL), (w.son, CasePersonRole.MEMBER)],
        consultation=w.consultation,
    )
    w.record = case_services.record_create(
        actor=lead,
        case=w.case,
        agency=agency,
        occurred_at=timezone.now() - dt.timedelta(days=2),
        kind=RecordKind.PHONE,
        narrative="借金の督促状が十通ある",
    )
    w.assessment = case_services.assessment_create(
        actor=lead,
        case=w.case,
        assessed_on=timezone.localdate() - dt.timedelta(days=2),
        household_overview=f"{tag}さん世帯の家計が苦しい（秘）",
    )
    w.plan = case_services.plan_create(
        actor=lead, case=w.case, person_wishes="家で暮らしたい", goals="家計の立て直し", roles=[]
    )
    w.grant = case_services.case_share(
        actor=lead, case=w.case, agency=third_agency, scope=GrantScope.RECORDS, consent=w.consent
    )
    w.meeting = MeetingFactory(
        kind=MeetingKind.SUPPORT_MEETING,
        title=f"{tag} 支援会議",
        chair=coord,
        organising_agency=agency,
        actor=coord,
    )
    w.member = add_member(w.meeting, third_user, actor=coord)
    w.item = add_case_item(w.meeting, w.case, actor=coord)
    w.external = meeting_services.external_attendee_add(
        actor=coord, meeting=w.meeting, name="民生 委員", organisation="民生委員", acknowledged=True
    )
    w.role = meeting_services.role_assign(
        actor=coord, item=w.item, agency=agency, task="家庭訪問で様子を確かめる"
    )
    # Minutes finalised by their chair (訂正 is for finalised minutes only).
    w.finalised = MeetingFactory(
        kind=MeetingKind.SUPPORT_MEETING,
        title=f"{tag} 支援会議（確定済み）",
        chair=coord,
        organising_agency=agency,
        actor=coord,
    )
    w.finalised.item = add_case_item(w.finalised, w.case, actor=coord)
    meeting_services.meeting_finalise(actor=coord, meeting=w.finalised)
    w.referral = ReferralFactory(
        case=w.case, actor=lead, to_agency=third_agency, consent=w.consent, persons=[w.person]
    )
    w.report = finish_report(
        MonthlyReportFactory(requested_by=coord, scope_agency=agency), token=f"idor-{tag}"
    )
    add_attachments(w, lead=lead, coord=coord)
    return w


def add_attachments(w, *, lead, coord):
    """One small PDF on each owner of attachments (household, consent, consultation,
    case, meeting), through the apps' services."""

    def pdf(name):
        return SimpleUploadedFile(name, b"%PDF-1.4\n%%EOF\n")

    common = {"content_type": "application/pdf", "title": "スキャン"}
    w.household_attachment = household_attachments.household_attachment_add(
        actor=lead, household=w.household, uploaded=pdf("通知書.pdf"), **common
    )
    w.consent_attachment = household_attachments.consent_attachment_add(
        actor=lead, consent=w.consent, uploaded=pdf("同意書.pdf"), **common
    )
    w.consultation_attachment = intake_attachments.consultation_attachment_add(
        actor=lead, consultation=w.consultation, uploaded=pdf("相談票.pdf"), **common
    )
    w.case_attachment = case_attachments.case_attachment_add(
        actor=lead, case=w.case, uploaded=pdf("督促状.pdf"), **common
    )
    w.meeting_attachment = meeting_attachments.meeting_attachment_add(
        actor=coord, meeting=w.meeting, uploaded=pdf("会議資料.pdf"), **common
    )


def add_desk_objects(w, *, desk, coordinator, municipal, visiting_agency, recorder):
    """What the desk keeps beside cases: a つなぐシート sent to it, an アウトリーチ target
    and a 世帯訪問調査 visited by visiting_agency, a 参加支援 placement on the case, and
    the community pages (an activity logged by recorder)."""
    w.sheet = ConnectSheetFactory(sender_agency=municipal.primary_agency, sender=municipal)
    w.target = OutreachTargetFactory(
        actor=desk,
        assigned_agency=visiting_agency,
        household=w.household,
        person=w.son,
        concern="長年ひきこもっている様子",
    )
    w.campaign = VisitCampaignFactory(
        actor=desk, districts=[w.district], visiting_agencies=[visiting_agency]
    )
    w.visit = w.campaign.visits.get(household=w.household)
    opportunity = OpportunityFactory(actor=coordinator)
    w.placement = PlacementFactory(
        actor=desk, person=w.person, opportunity=opportunity, case=w.case
    )
    w.resource = CommunityResourceFactory(actor=desk, district=w.district)
    w.activity = ActivityLogFactory(actor=recorder, resource=w.resource)
    w.issue = CommunityIssueFactory(actor=desk, district=w.district)
    return w


def add_import_objects(w, *, manager, tag):
    """A previewed 取込 (a workbook naming a person; nothing of it written yet) and a
    finished 出力 of the desk's ledgers (its file on disk), both made by manager."""
    row = {"世帯キー": "H1", "世帯の呼び名": f"{tag}さん世帯", "世帯員キー": "P1"}
    row |= {"姓": tag, "名": "一郎", "生年月日": "1970-01-01", "続柄": "世帯主"}
    sheet = book_bytes({"households": [row]})
    w.batch = import_services.batch_preview(actor=manager, upload=upload(sheet))
    w.export = import_services.export_request(actor=manager)
    assert import_services.export_build(export_id=w.export.pk) == ExportStatus.DONE
    w.export.refresh_from_db()
    return w


@pytest.fixture
def import_media(settings, tmp_path):
    """Export files go to a directory of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def outsider_coordinator(outsider_agency):
    """A 推進員 of the unrelated agency: may convene meetings, keep 参加先 and request
    that agency's statistics, so role checks alone cannot be what refuses them."""
    return staff(
        outsider_agency, Role.COORDINATOR, username="outsider_coord", display_name="社協 推進"
    )


@pytest.fixture
def partner_coordinator(partner_agency):
    return staff(
        partner_agency, Role.COORDINATOR, username="partner_coord", display_name="包括 推進"
    )


@pytest.fixture
def desk_owns(
    desk,
    coordinator,
    desk_agency,
    partner,
    partner_agency,
    outsider,
    outsider_agency,
    outsider_coordinator,
    municipal,
    manager,
    import_media,
):
    """The desk's objects (shared with the partner) probed by the unrelated agency."""
    foreign = build_world(
        agency=desk_agency,
        lead=desk,
        coord=coordinator,
        third_agency=partner_agency,
        third_user=partner,
        tag="佐藤",
    )
    add_desk_objects(
        foreign,
        desk=desk,
        coordinator=coordinator,
        municipal=municipal,
        visiting_agency=partner_agency,
        recorder=partner,
    )
    add_import_objects(foreign, manager=manager, tag="佐藤")
    own = build_world(
        agency=outsider_agency,
        lead=outsider,
        coord=outsider_coordinator,
        third_agency=partner_agency,
        third_user=partner,
        tag="鈴木",
    )
    # A 世帯訪問調査 the unrelated agency visits: its own parent for visit_edit.
    own.campaign = VisitCampaignFactory(
        actor=desk, districts=[own.district], visiting_agencies=[outsider_agency]
    )
    own.visit = own.campaign.visits.get(household=own.household)
    return {
        "foreign": foreign,
        "own": own,
        "requesters": [outsider, outsider_coordinator],
        "skip": set(),
    }


@pytest.fixture
def partner_owns(
    desk,
    coordinator,
    desk_agency,
    partner,
    partner_agency,
    partner_coordinator,
    outsider,
    outsider_agency,
    manager,
):
    """The partner's objects (shared with the unrelated agency) probed by desk staff,
    the desk's 管理者 too (the one who answers a 開示請求: case contents only through
    their own agency). The partner is no desk: it has no import batch or export
    (manager_owns probes those)."""
    foreign = build_world(
        agency=partner_agency,
        lead=partner,
        coord=partner_coordinator,
        third_agency=outsider_agency,
        third_user=outsider,
        tag="田中",
    )
    own = build_world(
        agency=desk_agency,
        lead=desk,
        coord=coordinator,
        third_agency=outsider_agency,
        third_user=outsider,
        tag="高橋",
    )
    return {
        "foreign": foreign,
        "own": own,
        "requesters": [desk, coordinator, manager],
        "skip": DESK_SEES_ALL | IMPORTS,
    }


@pytest.fixture
def manager_owns(desk, desk_agency, manager, import_media):
    """The desk manager's import batch and export (the desk's ledgers, a person in them)
    probed by another 管理者 of the same desk (a batch or export is its maker's own) and
    by the 管理者 of another desk agency. Only the imports URLs: the rest is above."""
    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="伊藤さん世帯")
    PersonFactory(household=household, actor=desk, family_name="伊藤")
    second = staff(desk_agency, Role.MANAGER, username="manager2", display_name="課長 三郎")
    other_desk = AgencyFactory(
        name="隣町 ふくしの相談窓口", kind=AgencyKind.MUNICIPAL_DEPT, is_desk=True
    )
    other = staff(other_desk, Role.MANAGER, username="other_manager", display_name="隣町 課長")
    foreign = add_import_objects(World(), manager=manager, tag="伊藤")
    own = add_import_objects(World(), manager=second, tag="渡辺")
    return {
        "foreign": foreign,
        "own": own,
        "requesters": [second, other],
        "skip": (set(BUILDERS) - IMPORTS) | {name for name, _params in QUERY_PROBES},
    }


# ---------------------------------------------------------------- probing

WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# Rows every request may write: the session (saved on every request) and the access
# log's refusal rows (a 404 on a case or meeting is logged as denied).
ALLOWED_WRITES = {"django_session", AccessLog._meta.db_table}
# Own objects a requester may still not open (the control expects no 404 elsewhere).
OWN_404 = {
    "referrals:agency_edit": "administrators only",
    "referrals:record_add": "the receiving agency logs against a referral, not the sender",
    "outreach:campaign_edit": "世帯訪問調査 are planned by desk staff only",
}


def _send(client, method, url, data=None):
    """(status, tables written) of one request; an exception is a status of its own."""
    with CaptureQueriesContext(connection) as ctx:
        try:
            if method == "get":
                response = client.get(url, data)
            else:
                response = client.post(url, data or POST_BODY)
        except Exception as exc:  # noqa: BLE001 - a 500 is reported with the others
            return f"raised {type(exc).__name__}: {exc}", []
    written = {m.group(1) for q in ctx.captured_queries if (m := WRITE.match(q["sql"]))}
    return response.status_code, sorted(written - ALLOWED_WRITES)


def _refused(client, url, label, failures, data=None):
    """GET and POST must both answer 404 (405 for a method the view never takes) and
    write nothing. Returns the number of requests sent."""
    statuses = {}
    for method in ("get", "post"):
        status, written = _send(client, method, url, data)
        statuses[method] = status
        if status not in (404, 405):
            failures.append(f"{label}: {method.upper()} {url} -> {status}")
        if written:
            failures.append(f"{label}: {method.upper()} {url} wrote {written}")
    if statuses == {"get": 405, "post": 405}:
        failures.append(f"{label}: {url} answers neither GET nor POST")
    return 2


def _fingerprint():
    """A hash of every row of every table but the session and access log."""
    digest = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        if model._meta.db_table in ALLOWED_WRITES:
            continue
        rows = model._base_manager.order_by("pk").values_list()
        digest[model._meta.db_table] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return digest


def _probe_world(client, requester, scenario):
    foreign, own, skip = scenario["foreign"], scenario["own"], scenario["skip"]
    failures, sent = [], 0
    for name, build in sorted(BUILDERS.items()):
        if name in skip:
            continue
        label = f"{requester.username} {name}"
        sent += _refused(client, reverse(name, kwargs=build(foreign)), label, failures)
        kwargs = build(foreign)
        if len(kwargs) > 1:
            # Own parent, foreign child: a child is found under its parent only.
            try:
                mixed = {**kwargs, "pk": build(own)["pk"]}
            except AttributeError:
                mixed = None  # the requester's world has no such parent
            if mixed is not None:
                url = reverse(name, kwargs=mixed)
                sent += _refused(client, url, f"{label} (own parent)", failures)
    for name, params in QUERY_PROBES:
        if name in skip:
            continue
        data = params(foreign)
        url = reverse(name)
        label = f"{requester.username} {name}?{data}"
        for method in ("get", "post"):
            # A form posts back to the URL it was opened with (the id in the query).
            target = url if method == "get" else f"{url}?{urlencode(data)}"
            status, written = _send(client, method, target, data)
            sent += 1
            if status not in (404, 405):
                failures.append(f"{label}: {method.upper()} -> {status}")
            if written:
                failures.append(f"{label}: {method.upper()} wrote {written}")
    return failures, sent


def _has_objects(world, build) -> bool:
    try:
        build(world)
    except AttributeError:
        return False
    return True


def _control(client, scenario, reached):
    """GET with the requester's own ids; reached collects the URL names that answered
    something else than 404 (PDFs skipped: slow, and tested in their apps)."""
    own, skip = scenario["own"], scenario["skip"]
    for name, build in sorted(BUILDERS.items()):
        if name in skip or name in OWN_404 or name.endswith("_pdf"):
            continue
        try:
            kwargs = build(own)
        except AttributeError:
            continue  # not built for the requester's own agency
        status, _written = _send(client, "get", reverse(name, kwargs=kwargs))
        if status != 404:
            reached.add(name)


@pytest.mark.parametrize("scenario_name", ["desk_owns", "partner_owns", "manager_owns"])
def test_objects_of_another_agency_answer_404(db, request, client_for, scenario_name):
    scenario = request.getfixturevalue(scenario_name)
    failures, sent, reached = [], 0, set()
    for requester in scenario["requesters"]:
        client = client_for(requester)
        before = _fingerprint()
        found, n = _probe_world(client, requester, scenario)
        failures += found
        sent += n
        after = _fingerprint()
        changed = sorted(t for t in before if before[t] != after.get(t))
        if changed:
            failures.append(f"{requester.username}: tables changed by the probes: {changed}")
        _control(client, scenario, reached)
    # The control: each URL opens for at least one requester with their own ids, so the
    # 404s above come from the access rules, not from ids that lead nowhere.
    controlled = {
        name
        for name, build in BUILDERS.items()
        if name not in scenario["skip"]
        and name not in OWN_404
        and not name.endswith("_pdf")
        and _has_objects(scenario["own"], build)
    }
    for name in sorted(controlled - reached):
        failures.append(f"control: own {name} answered 404 to every requester")
    print(f"IDOR sweep {scenario_name}: {sent} requests")  # noqa: T201 - shown with -s
    assert not failures, "\n".join(failures)
    assert sent >= 2 * len(set(BUILDERS) - scenario["skip"])


def test_every_object_url_is_covered():
    """A new URL taking an object id needs a builder here (or a reason it is shared)."""
    found = {name for name in OBJECT_ROUTES if not name.startswith(ADMIN_PREFIX)}
    covered = set(BUILDERS) | set(SHARED_BY_DESIGN)
    assert not set(BUILDERS) & set(SHARED_BY_DESIGN)
    assert found - covered == set(), "object URLs without an IDOR builder"
    assert covered - found == set(), "builders for URLs that no longer exist"
    assert set(BUILDERS) >= DESK_SEES_ALL
    assert set(OWN_404) <= set(BUILDERS)


def test_builders_fill_every_kwarg_of_their_url(desk_owns):
    """Each builder names exactly the ids its pattern takes."""
    for name, build in BUILDERS.items():
        assert tuple(sorted(build(desk_owns["foreign"]))) == OBJECT_ROUTES[name], name


def test_admin_object_urls_need_staff(client_for, outsider, desk, desk_agency):
    """Every admin page, with ids of another agency and its staff, sends a logged-in
    non-staff user out of the admin (to a login page, or home with a message) or 404s:
    GET and POST, never an admin page with content, and nothing written."""
    from urllib.parse import urlsplit

    client = client_for(outsider)
    values = {"object_id": desk_agency.pk, "id": desk.pk, "content_type_id": 1}
    admin_urls = [
        (label, url) for label, url, _ in all_routes(values) if label.startswith("admin:")
    ]
    assert len(admin_urls) >= 20
    before = _fingerprint()
    for label, url in admin_urls:
        for method in ("get", "post"):
            response = client.get(url) if method == "get" else client.post(url, POST_BODY)
            path = urlsplit(url).path
            for _hop in range(5):
                if response.status_code != 302:
                    break
                path = urlsplit(response["Location"]).path
                response = client.get(response["Location"])
            if response.status_code in (404, 405):
                continue
            assert response.status_code == 200, (label, method, response.status_code)
            assert not path.startswith("/admin/"), (label, method, path)
    assert _fingerprint() == before
