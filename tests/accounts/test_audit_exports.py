"""Reads through PDFs and downloads are in the access log: an EXPORT row for every file
that carries personal records (the case and each person in it), a READ row for the
monthly statistics (aggregate figures, no personal record), DENIED for a refused one.

WeasyPrint is replaced by a stub here: what is tested is the log, not the PDF (the
PDFs themselves are tested in tests/<app>/test_pdf.py).
"""

import pytest
from django.urls import reverse

from accounts.models import AccessLog
from meetings.choices import MeetingKind
from tests.factories_intake import ConnectSheetFactory
from tests.factories_meetings import MeetingFactory, add_case_item
from tests.factories_referrals import make_case
from tests.factories_reports import MonthlyReportFactory, finish_report

pytestmark = pytest.mark.django_db

EXPORT = AccessLog.Outcome.EXPORT


@pytest.fixture(autouse=True)
def stub_pdf(monkeypatch):
    def render_pdf(template, context, **kwargs):
        return b"%PDF-1.7 stub"

    for module in ("cases.views", "meetings.views", "intake.views"):
        monkeypatch.setattr(f"{module}.render_pdf", render_pdf)


def new_rows(before: int) -> list[tuple]:
    return list(
        AccessLog.objects.filter(pk__gt=before)
        .order_by("pk")
        .values_list("user__username", "outcome", "object_type", "object_id", "person_id", "path")
    )


def last_pk() -> int:
    row = AccessLog.objects.order_by("-pk").first()
    return row.pk if row else 0


@pytest.fixture
def case_data(desk, desk_agency):
    case, principal, son = make_case(desk=desk, desk_agency=desk_agency)
    return case, principal, son, case.plans.get()


def test_records_pdf_logs_the_case_and_each_person_as_exports(client_for, desk, case_data):
    case, principal, son, _plan = case_data
    url = reverse("cases:records_pdf", args=[case.pk])
    before = last_pk()

    response = client_for(desk).get(url)

    assert response.status_code == 200
    rows = new_rows(before)
    assert rows[0] == ("desk", EXPORT, "cases.case", str(case.pk), None, url)
    assert sorted(rows[1:]) == [
        ("desk", EXPORT, "households.person", str(principal.pk), principal.pk, url),
        ("desk", EXPORT, "households.person", str(son.pk), son.pk, url),
    ]


def test_plan_pdf_logs_the_case_and_each_person_as_exports(client_for, desk, case_data):
    case, principal, son, plan = case_data
    url = reverse("cases:plan_pdf", args=[case.pk, plan.pk])
    before = last_pk()

    response = client_for(desk).get(url)

    assert response.status_code == 200
    rows = new_rows(before)
    assert rows[0] == ("desk", EXPORT, "cases.case", str(case.pk), None, url)
    assert sorted(rows[1:]) == [
        ("desk", EXPORT, "households.person", str(principal.pk), principal.pk, url),
        ("desk", EXPORT, "households.person", str(son.pk), son.pk, url),
    ]
    details = list(AccessLog.objects.filter(pk__gt=before).values_list("detail", flat=True))
    assert details[0] == f"plan_pdf:{plan.pk}"
    assert set(details[1:]) == {f"case:{case.pk}:plan_pdf:{plan.pk}"}


@pytest.mark.parametrize("name", ["records_pdf", "plan_pdf"])
def test_a_refused_case_pdf_is_logged_denied_and_nothing_else(
    client_for, outsider, case_data, name
):
    case, _principal, _son, plan = case_data
    args = [case.pk] if name == "records_pdf" else [case.pk, plan.pk]
    url = reverse(f"cases:{name}", args=args)
    before = last_pk()

    response = client_for(outsider).get(url)

    assert response.status_code == 404
    assert new_rows(before) == [
        ("outsider", AccessLog.Outcome.DENIED, "cases.case", str(case.pk), None, url)
    ]


@pytest.fixture
def meeting(desk, desk_agency, case_data):
    case = case_data[0]
    meeting = MeetingFactory(
        kind=MeetingKind.SUPPORT_MEETING,
        title="第1回 支援会議",
        chair=desk,
        organising_agency=desk_agency,
    )
    meeting.item = add_case_item(meeting, case, actor=desk)
    return meeting


@pytest.mark.parametrize("name", ["minutes_pdf", "agenda_pdf"])
def test_meeting_pdfs_log_the_meeting_and_each_case_as_exports(
    client_for, desk, meeting, case_data, name
):
    case = case_data[0]
    url = reverse(f"meetings:{name}", args=[meeting.pk])
    before = last_pk()

    response = client_for(desk).get(url)

    assert response.status_code == 200
    assert new_rows(before) == [
        ("desk", EXPORT, "meetings.meeting", str(meeting.pk), None, url),
        ("desk", EXPORT, "cases.case", str(case.pk), None, url),
    ]


def test_a_refused_meeting_pdf_is_logged_denied(client_for, outsider, meeting):
    url = reverse("meetings:minutes_pdf", args=[meeting.pk])
    before = last_pk()

    assert client_for(outsider).get(url).status_code == 404
    assert new_rows(before) == [
        ("outsider", AccessLog.Outcome.DENIED, "meetings.meeting", str(meeting.pk), None, url)
    ]


def test_sheet_pdf_is_logged_as_an_export(client_for, municipal, municipal_agency, desk):
    sheet = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
    url = reverse("intake:sheet_pdf", args=[sheet.pk])

    for user in (municipal, desk):
        before = last_pk()
        assert client_for(user).get(url).status_code == 200
        assert new_rows(before) == [
            (user.username, EXPORT, "intake.connectsheet", str(sheet.pk), None, url)
        ]


def test_a_refused_sheet_pdf_is_logged_denied(client_for, municipal, municipal_agency, outsider):
    sheet = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
    url = reverse("intake:sheet_pdf", args=[sheet.pk])
    before = last_pk()

    assert client_for(outsider).get(url).status_code == 404
    assert new_rows(before) == [
        ("outsider", AccessLog.Outcome.DENIED, "intake.connectsheet", str(sheet.pk), None, "")
    ]


def test_the_blank_sheet_has_nothing_personal_and_logs_nothing(client_for, municipal):
    before = last_pk()

    assert client_for(municipal).get(reverse("intake:sheet_blank_pdf")).status_code == 200
    assert new_rows(before) == []


@pytest.mark.parametrize("name, field", [("download_pdf", "pdf"), ("download_xlsx", "xlsx")])
def test_statistics_downloads_are_logged_as_exports(client_for, manager, name, field):
    """A file leaves the system: 出力, as every other download (issue 19)."""
    report = finish_report(MonthlyReportFactory(requested_by=manager))
    url = reverse(f"reports:{name}", args=[report.pk])
    before = last_pk()

    response = client_for(manager).get(url)

    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert new_rows(before) == [
        ("manager", AccessLog.Outcome.EXPORT, "reports.monthlyreport", str(report.pk), None, url)
    ]
    assert AccessLog.objects.get(pk__gt=before).detail == f"report_{field}"


def test_a_refused_download_logs_no_read(client_for, manager, coordinator):
    report = finish_report(MonthlyReportFactory(requested_by=manager))
    before = last_pk()

    response = client_for(coordinator).get(reverse("reports:download_pdf", args=[report.pk]))

    assert response.status_code == 404
    assert not AccessLog.objects.filter(pk__gt=before, outcome=AccessLog.Outcome.READ).exists()
