"""Every page that shows a person's record logs the read (issue 13 item 9; DESIGN "Who
may see what": every read of a person's record is logged).

The URL resolver is walked: every pattern must be listed in PERSONAL (the page shows a
person's record: which objects its AccessLog rows must name) or in NOT_PERSONAL (with
the reason it shows none), or be an action that answers 405 to GET. A new page is
therefore covered or fails test_every_page_is_classified.

The walk opens each page as the lead desk user (or the persona named) in a world seeded
like the IDOR sweep's (tests/common/test_idor.py), and checks both ways:
- a PERSONAL page answers 200 and writes a read (or export) row naming each object;
- any page whose HTML shows the seeded person's name, address, phone or case text is in
  PERSONAL (so a NOT_PERSONAL reason that stops being true fails too).
"""

from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from cases import services as case_services
from referrals import services as referral_services
from tests.auth_helpers import login_verified
from tests.common.test_idor import BUILDERS, add_desk_objects, add_import_objects, build_world
from tests.factories_participation import HostDevelopmentFactory
from tests.url_walk import all_routes

ADMIN_PREFIX = "admin:"


@dataclass
class Read:
    """A page showing a person's record: objects(w) are what its log rows must name."""

    objects: object
    query: object = None  # (w) -> GET parameters
    htmx: bool = False
    persona: str = "desk"
    kwargs: object = None  # (w) -> URL kwargs, when BUILDERS has none
    outcomes: tuple = field(default=(AccessLog.Outcome.READ,))


EXPORT = (AccessLog.Outcome.EXPORT,)


def _w(attr):
    return lambda w: [getattr(w, attr)]


def _this_month(w) -> dict:
    """The statistics form's fields for this month, 全機関 (the world's case opened today)."""
    return {"kind": "month", "month": f"{timezone.localdate():%Y-%m}", "scope": "desk"}


PERSONAL = {
    # households
    "households:search": Read(_w("household")),
    "households:lookup": Read(_w("household"), query=lambda w: {"q": "ヤマダ"}, htmx=True),
    "households:detail": Read(lambda w: [w.person, w.son]),
    "households:edit": Read(_w("household")),
    "households:person_edit": Read(_w("person")),
    "households:consent_add": Read(lambda w: [w.person, w.son]),
    "households:related_add": Read(lambda w: [w.person, w.son]),  # the anchor picker
    "households:person_move": Read(_w("person")),
    "households:person_merge": Read(_w("person")),
    # 開示請求: the desk's manager answers it
    "households:disclosure": Read(_w("person"), persona="manager"),
    "households:disclosure_pdf": Read(_w("person"), persona="manager", outcomes=EXPORT),
    "households:disclosure_json": Read(_w("person"), persona="manager", outcomes=EXPORT),
    "households:attachments": Read(_w("household")),
    "households:attachment_download": Read(
        lambda w: [w.household_attachment, w.household, w.person], outcomes=EXPORT
    ),
    "households:attachment_withdraw": Read(lambda w: [w.household_attachment, w.household]),
    "households:consent_attachments": Read(_w("person")),
    "households:consent_attachment_withdraw": Read(lambda w: [w.consent_attachment, w.person]),
    "households:consent_attachment_download": Read(
        lambda w: [w.consent_attachment, w.consent, w.person], outcomes=EXPORT
    ),
    "households:history": Read(lambda w: [w.person, w.son]),
    "households:person_history": Read(_w("person")),
    # intake
    "intake:consultation_list": Read(_w("consultation")),
    "intake:consultation_attachments": Read(_w("consultation")),
    "intake:consultation_attachment_withdraw": Read(
        lambda w: [w.consultation_attachment, w.consultation]
    ),
    "intake:consultation_attachment_download": Read(
        lambda w: [w.consultation_attachment, w.consultation, w.person], outcomes=EXPORT
    ),
    "intake:consultation_detail": Read(_w("consultation")),
    "intake:consultation_edit": Read(_w("consultation")),
    "intake:household_members": Read(
        lambda w: [w.person, w.son], query=lambda w: {"household": w.household.pk}, htmx=True
    ),
    "intake:sheet_list": Read(_w("sheet")),
    "intake:sheet_detail": Read(_w("sheet")),
    "intake:sheet_pdf": Read(_w("sheet"), outcomes=EXPORT),
    "intake:consultation_pdf": Read(lambda w: [w.consultation, w.person], outcomes=EXPORT),
    "intake:consultation_correct": Read(lambda w: [w.consultation, w.person]),
    "intake:consultation_history": Read(lambda w: [w.consultation, w.person]),
    # cases
    "home": Read(lambda w: [w.case, w.loose_consultation]),
    "cases:case_list": Read(_w("case")),
    "cases:case_open": Read(
        _w("loose_consultation"), query=lambda w: {"consultation": w.loose_consultation.pk}
    ),
    "cases:case_detail": Read(_w("case")),
    "cases:attachments": Read(_w("case")),
    "cases:attachment_withdraw": Read(lambda w: [w.case_attachment, w.case]),
    "cases:attachment_download": Read(
        lambda w: [w.case_attachment, w.case, w.person], outcomes=EXPORT
    ),
    "cases:case_timeline": Read(_w("case"), htmx=True),
    "cases:case_edit": Read(_w("case")),
    "cases:record_add": Read(_w("case")),
    "cases:records_pdf": Read(_w("case"), outcomes=EXPORT),
    "cases:assessment_add": Read(_w("case")),
    "cases:plan_add": Read(_w("case")),
    "cases:plan_detail": Read(_w("case")),
    "cases:plan_edit": Read(_w("case")),
    "cases:plan_pdf": Read(_w("case"), outcomes=EXPORT),
    "cases:case_share": Read(_w("case")),
    "cases:consultation_add": Read(_w("case")),
    "cases:record_detail": Read(_w("case")),
    "cases:record_correct": Read(_w("case")),
    "cases:case_history": Read(lambda w: [w.case, w.person, w.son]),
    "cases:plan_history": Read(_w("case")),
    "cases:assessment_pdf": Read(lambda w: [w.case, w.person, w.son], outcomes=EXPORT),
    "cases:facesheet_pdf": Read(lambda w: [w.household, w.person, w.son], outcomes=EXPORT),
    "cases:handover": Read(
        _w("case"), persona="manager", query=lambda w: {"worker": w.case.lead_staff_id}
    ),
    # meetings
    "meetings:meeting_detail": Read(_w("case")),
    "meetings:attachments": Read(_w("meeting")),
    "meetings:attachment_withdraw": Read(
        lambda w: [w.meeting_attachment, w.meeting], persona="coordinator"
    ),
    "meetings:attachment_download": Read(
        lambda w: [w.meeting_attachment, w.meeting, w.case], outcomes=EXPORT
    ),
    "meetings:item_edit": Read(_w("case")),
    "meetings:minutes": Read(_w("case")),
    "meetings:minutes_pdf": Read(_w("case"), outcomes=EXPORT),
    # 訂正 of finalised minutes: their chair (the world's finalised meeting)
    "meetings:minutes_correct": Read(
        _w("case"),
        persona="coordinator",
    ),
    "meetings:agenda_pdf": Read(_w("case"), outcomes=EXPORT),
    "meetings:case_meetings": Read(_w("case")),
    # referrals
    "referrals:referral_new": Read(_w("case"), query=lambda w: {"case": w.case.pk}),
    "referrals:consent_options": Read(_w("case"), query=lambda w: {"case": w.case.pk}, htmx=True),
    "referrals:referral_detail": Read(_w("person")),
    "referrals:record_add": Read(_w("person"), persona="partner"),
    "referrals:inbox": Read(_w("person"), persona="partner"),
    # outreach
    "outreach:target_list": Read(_w("target")),
    "outreach:target_create": Read(_w("household"), query=lambda w: {"household": w.household.pk}),
    "outreach:target_detail": Read(_w("target")),
    "outreach:target_edit": Read(_w("target")),
    "outreach:contact_add": Read(_w("target")),
    "outreach:target_connect": Read(_w("target")),
    "outreach:campaign_detail": Read(_w("household")),
    "outreach:visit_edit": Read(_w("household")),
    # participation
    "participation:opportunity_detail": Read(
        _w("placement"), kwargs=lambda w: {"pk": w.placement.opportunity_id}
    ),
    "participation:placement_list": Read(_w("placement")),
    "participation:placement_create": Read(_w("case"), query=lambda w: {"case": w.case.pk}),
    "participation:placement_detail": Read(_w("placement")),
    "participation:placement_edit": Read(_w("placement")),
    "participation:follow_up_add": Read(_w("placement")),
    # imports (the desk's manager): the preview lists the workbook's person rows; the
    # download is the desk's ledgers, an 出力 of every person in them
    "imports:batch_detail": Read(_w("batch"), persona="manager"),
    "imports:export_download": Read(
        lambda w: [w.export, w.person, w.son], persona="manager", outcomes=EXPORT
    ),
    # reports: each figure opens the list of what it counts
    "reports:figure": Read(
        _w("case"),
        persona="manager",
        query=lambda w: _this_month(w) | {"col": "month", "table": "counts", "row": "opened"},
    ),
    "reports:dashboard_figure": Read(
        _w("case"), persona="manager", query=lambda w: {"figure": "open", "key": "all"}
    ),
}

NOT_PERSONAL = {
    "healthz": "the health check",
    "favicon": "the site's icon",
    "accounts:login": "the login steps show the user's own account only",
    "accounts:otp_verify": "the login steps show the user's own account only",
    "accounts:otp_setup": "the login steps show the user's own account only",
    "accounts:otp_codes": "the login steps show the user's own account only",
    "accounts:reauth": "the password prompt",
    "accounts:security": "the user's own sessions and devices",
    "accounts:password_change": "the user's own password",
    "households:access_log": "the review of reads (managers): who opened what, not a record",
    "households:access_log_csv": "the review's CSV, logged as an export of its own",
    "households:create": "a blank form",
    "households:member_add": "a blank form under the household's name",
    "intake:consultation_new": "a blank form",
    "intake:sheet_new": "a blank form",
    "intake:sheet_blank_pdf": "the blank paper sheet",
    "meetings:meeting_list": "meetings by title and date",
    "meetings:meeting_create": "a blank form",
    "meetings:meeting_edit": "the meeting's date, place and chair",
    "meetings:item_add": "a blank form with a picker of case titles",
    "referrals:to_desk": "a blank form (partners only)",
    "referrals:notification_list": "notices carry no personal data by design",
    "referrals:notification_badge": "a count",
    "referrals:agency_list": "the directory of agencies",
    "referrals:agency_detail": "an agency's directory entry",
    "referrals:agency_edit": "an agency's directory entry (administrators)",
    "outreach:campaign_list": "campaigns by name and period",
    "outreach:campaign_create": "a blank form",
    "outreach:campaign_edit": "the campaign's districts, agencies and period",
    "participation:opportunity_list": "参加先 are places, not persons",
    "participation:opportunity_create": "a blank form",
    "participation:opportunity_edit": "a 参加先's own fields",
    "participation:host_log_list": "受入先開拓 concerns companies, not persons",
    "participation:host_log_create": "a blank form",
    "participation:host_log_detail": "受入先開拓 concerns companies, not persons",
    "participation:host_log_edit": "受入先開拓 concerns companies, not persons",
    "community:district_list": "counts only",
    "community:district_detail": "counts only",
    "community:resource_list": "community places",
    "community:resource_create": "a blank form",
    "community:resource_detail": "a community place and its activity counts",
    "community:resource_edit": "a community place",
    "community:activity_add": "a blank form (participants are counted, never named)",
    "community:activity_list": "activity counts by age band",
    "community:activity_detail": "activity counts by age band",
    "community:activity_edit": "activity counts by age band",
    "community:issue_list": "地域課題 count cases, they name no person",
    "community:issue_create": "a blank form",
    "community:issue_detail": "地域課題 count cases, they name no person",
    "community:issue_edit": "地域課題 count cases, they name no person",
    "accounts:staff": "staff names and roles of the manager's agency, no person's record",
    "reports:report_list": "statistics (managers)",
    "reports:report_request": "statistics (managers)",
    "reports:report_detail": "statistics (managers)",
    "reports:report_status": "statistics (managers)",
    "reports:download_pdf": "statistics (managers)",
    "reports:download_xlsx": "statistics (managers)",
    "cases:consultation_link": "a picker of case titles to link a consultation to",
    "cases:access_preview": "what sharing would give an agency: scopes, no record",
    "cases:reminder_settings": "the user's own e-mail digest setting",
    "cases:calendar": "kinds and numbers (ケース#123), each linked to its checked page",
    "cases:calendar_feed": "the user's own feed address: issue, revoke, last fetch",
    "cases:calendar_ical": "the feed: kinds and numbers only; an unknown token answers 404",
    "imports:index": "the manager's own uploads and exports by file name, date and status",
    "imports:template": "a blank workbook with the master lists (categories, agencies)",
    "imports:batch_status": "a batch's progress and row counts",
    "imports:export_detail": "an export's dates and status",
    "imports:export_status": "an export's progress and status",
    "reports:statistics": "statistics (managers): counts; each figure opens reports:figure",
    "reports:dashboard": "statistics (managers): counts; each figure opens dashboard_figure",
}

# NOT_PERSONAL pages only a manager can open: walked as (persona, query), must answer
# 200, so their reason is checked against what they show.
NOT_PERSONAL_AS = {
    "imports:index": ("manager", None),
    "imports:template": ("manager", None),
    "imports:batch_status": ("manager", None),
    "imports:export_detail": ("manager", None),
    "imports:export_status": ("manager", None),
    "reports:statistics": ("manager", _this_month),
    "reports:dashboard": ("manager", None),
}

CASE_SUMMARY = "世帯全体の家計と介護の見直しが必要（秘）"


def _routes():
    return {
        label: url
        for label, url, _pattern in all_routes()
        if not label.startswith(ADMIN_PREFIX) and "/admin/" not in url
    }


def test_every_page_is_classified():
    routes = _routes()
    assert not set(PERSONAL) & set(NOT_PERSONAL)
    assert set(NOT_PERSONAL_AS) <= set(NOT_PERSONAL)
    assert set(PERSONAL) | set(NOT_PERSONAL) <= set(routes), "listed pages that no longer exist"


@pytest.fixture
def world(
    desk, coordinator, desk_agency, partner, partner_agency, municipal, manager, settings, tmp_path
):
    w = build_world(
        agency=desk_agency,
        lead=desk,
        coord=coordinator,
        third_agency=partner_agency,
        third_user=partner,
        tag="佐藤",
    )
    add_desk_objects(
        w,
        desk=desk,
        coordinator=coordinator,
        municipal=municipal,
        visiting_agency=partner_agency,
        recorder=partner,
    )
    w.case.refresh_from_db()
    case_services.case_update(actor=desk, case=w.case, summary=CASE_SUMMARY)
    w.host_log = HostDevelopmentFactory(actor=coordinator)
    referral_services.referral_accept(actor=partner, referral=w.referral)
    settings.MEDIA_ROOT = tmp_path / "media"  # the export's file
    add_import_objects(w, manager=manager, tag="佐藤")
    return w


def _markers(w) -> dict[str, str]:
    """What only a person's record shows: names, address, phone, case text."""
    return {
        "person": w.person.full_name,
        "son": w.son.full_name,
        "address": w.household.address,
        "phone": w.household.phone,
        "case summary": CASE_SUMMARY,
        "consultation": "佐藤の相談（秘）",
        "support record": "借金の督促状が十通ある",
        "plan": "家計の立て直し",
        "target concern": "長年ひきこもっている様子",
        "meeting brief": "長男が10年ひきこもり",
        "sheet": w.sheet.details,
    }


# Ids for the pages BUILDERS (the IDOR sweep's) do not fill.
EXTRA_KWARGS = {
    "participation:host_log_detail": lambda w: {"pk": w.host_log.pk},
    "participation:host_log_edit": lambda w: {"pk": w.host_log.pk},
    "participation:opportunity_detail": lambda w: {"pk": w.placement.opportunity_id},
    "participation:opportunity_edit": lambda w: {"pk": w.placement.opportunity_id},
    "referrals:agency_detail": lambda w: {"pk": w.agency.pk},
    "community:district_detail": lambda w: {"pk": w.district.pk},
    "community:resource_detail": lambda w: {"pk": w.resource.pk},
    "community:activity_add": lambda w: {"pk": w.resource.pk},
    "community:activity_detail": lambda w: {"pk": w.activity.pk},
    "imports:template": lambda w: {"code": "all"},
}


def _url(label, default, w, read):
    if read is not None and read.kwargs is not None:
        return reverse(label, kwargs=read.kwargs(w))
    if label in BUILDERS:
        return reverse(label, kwargs=BUILDERS[label](w))
    if label in EXTRA_KWARGS:
        return reverse(label, kwargs=EXTRA_KWARGS[label](w))
    return default


def _get(client, url, read, w, query=None):
    headers = {"HTTP_HX_REQUEST": "true"} if read is not None and read.htmx else {}
    if read is not None and read.query:
        query = read.query(w)
    response = client.get(url, query, **headers)
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content).decode(errors="ignore")
    else:
        body = response.content.decode(errors="ignore")
    return response.status_code, body


def test_every_page_showing_a_persons_record_logs_the_read(db, request, world):
    markers = _markers(world)
    clients = {}
    problems = []
    for label, default_url in sorted(_routes().items()):
        read = PERSONAL.get(label)
        persona, as_query = NOT_PERSONAL_AS.get(label, ("desk", None))
        persona = read.persona if read is not None else persona
        user = request.getfixturevalue(persona)
        if persona not in clients:
            clients[persona] = login_verified(Client(), user)
        url = _url(label, default_url, world, read)
        last = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        status, body = _get(
            clients[persona], url, read, world, as_query(world) if as_query else None
        )
        rows = set(
            AccessLog.objects.filter(pk__gt=last, user=user).values_list(
                "outcome", "object_type", "object_id"
            )
        )
        shown = sorted(name for name, text in markers.items() if text and text in body)
        if read is not None:
            if status != 200:
                problems.append(f"{label}: GET {url} -> {status}")
                continue
            for obj in read.objects(world):
                wanted = {(o, obj._meta.label_lower, str(obj.pk)) for o in read.outcomes}
                if not wanted & rows:
                    problems.append(f"{label}: no {read.outcomes[0]} row names {obj!r}")
        elif label in NOT_PERSONAL:
            if label in NOT_PERSONAL_AS and status != 200:
                problems.append(f"{label}: GET {url} as {persona} -> {status}")
            if shown:
                problems.append(f"{label}: listed as showing no record, but shows {shown}")
        elif status != 405:
            problems.append(f"{label}: GET {url} -> {status}; list it in PERSONAL or NOT_PERSONAL")
    assert not problems, "\n".join(problems)
