"""The 統計 pages: who may reach them (the matrix), the request form, the polling
fragment, the downloads, and the list's query count."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.choices import Role
from accounts.system import system_user
from reports import services
from reports.models import MonthlyReport
from tests.auth_helpers import login_verified
from tests.factories import staff
from tests.factories_reports import PDF_BYTES, XLSX_BYTES, MonthlyReportFactory, finish_report

pytestmark = pytest.mark.django_db

REPORT_URLS = ["report_detail", "report_status", "download_pdf", "download_xlsx"]
# Who sees what: manager and coordinator reach the pages; everyone else gets 404.
STATISTICS_PERSONAS = ["manager", "coordinator"]
OTHER_PERSONAS = ["desk", "partner", "outsider", "municipal", "admin_user"]


@pytest.fixture
def reports(manager, coordinator):
    """Done reports: the manager's, the coordinator's, and the one beat made."""
    return {
        "manager": finish_report(MonthlyReportFactory(requested_by=manager)),
        "coordinator": finish_report(MonthlyReportFactory(requested_by=coordinator)),
        "system": finish_report(MonthlyReportFactory(requested_by=system_user())),
    }


def _get(client, name, report):
    return client.get(reverse(f"reports:{name}", kwargs={"pk": report.pk}))


@pytest.mark.parametrize("persona", STATISTICS_PERSONAS + OTHER_PERSONAS)
def test_matrix(persona, request, client, reports):
    user = request.getfixturevalue(persona)
    login_verified(client, user)
    allowed = persona in STATISTICS_PERSONAS
    problems = []

    response = client.get(reverse("reports:report_list"))
    if response.status_code != (200 if allowed else 404):
        problems.append(f"list: {response.status_code}")

    before = MonthlyReport.objects.count()
    response = client.post(reverse("reports:report_request"), {"month": "2024-04", "scope": "desk"})
    if response.status_code != (302 if allowed else 404):
        problems.append(f"request: {response.status_code}")
    assert MonthlyReport.objects.count() == before + (1 if allowed else 0)

    for owner, report in reports.items():
        # Their own report, and the desk-wide one beat made; never a colleague's.
        want = 200 if allowed and owner in (persona, "system") else 404
        for name in REPORT_URLS:
            response = _get(client, name, report)
            if response.status_code != want:
                problems.append(f"{owner} {name}: {response.status_code} != {want}")
    assert not problems, problems


def test_anonymous_is_sent_to_login(client, reports):
    urls = [reverse("reports:report_list"), reverse("reports:report_request")]
    urls += [reverse(f"reports:{n}", kwargs={"pk": reports["manager"].pk}) for n in REPORT_URLS]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login")), url
    response = client.post(reverse("reports:report_request"), {"month": "2024-04", "scope": "desk"})
    assert response.status_code == 302 and MonthlyReport.objects.count() == 3


def test_another_manager_gets_404_for_the_managers_report(client_for, desk_agency, reports):
    other = staff(desk_agency, Role.MANAGER, username="manager2")
    client = client_for(other)
    for name in REPORT_URLS:
        assert _get(client, name, reports["manager"]).status_code == 404
    response = client.get(reverse("reports:report_list"))
    assert response.status_code == 200
    # The desk-wide report beat made is everyone's with the role; the manager's is not.
    assert reverse("reports:report_detail", kwargs={"pk": reports["system"].pk}) in response.text
    assert (
        reverse("reports:report_detail", kwargs={"pk": reports["manager"].pk}) not in response.text
    )


def test_a_partner_agency_manager_requests_only_for_their_agency(
    client_for, partner_agency, desk_agency, reports
):
    boss = staff(partner_agency, Role.MANAGER, username="center_chief")
    client = client_for(boss)
    response = client.get(reverse("reports:report_list"))
    assert response.status_code == 200
    assert 'value="desk"' not in response.text
    assert f'value="{partner_agency.pk}"' in response.text
    # Not the desk-wide report beat made.
    assert _get(client, "download_pdf", reports["system"]).status_code == 404

    response = client.post(reverse("reports:report_request"), {"month": "2024-04", "scope": "desk"})
    assert response.status_code == 200
    assert "選べる範囲から選んでください。" in response.text
    response = client.post(
        reverse("reports:report_request"), {"month": "2024-04", "scope": str(desk_agency.pk)}
    )
    assert "選べる範囲から選んでください。" in response.text
    assert MonthlyReport.objects.filter(requested_by=boss).count() == 0

    response = client.post(
        reverse("reports:report_request"), {"month": "2024-04", "scope": str(partner_agency.pk)}
    )
    report = MonthlyReport.objects.get(requested_by=boss)
    assert response.status_code == 302
    assert report.scope_agency == partner_agency and report.month == dt.date(2024, 4, 1)


def test_downloads_re_check_the_role_and_the_expiry(client_for, manager, desk_agency, reports):
    report = reports["manager"]
    client = client_for(manager)
    response = _get(client, "download_pdf", report)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF_BYTES
    response = _get(client, "download_xlsx", report)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert b"".join(response.streaming_content) == XLSX_BYTES

    # Past its expiry the file is gone for everyone.
    MonthlyReport.objects.filter(pk=report.pk).update(expires_at=timezone.now())
    assert _get(client, "download_pdf", report).status_code == 404
    MonthlyReport.objects.filter(pk=report.pk).update(
        expires_at=timezone.now() + dt.timedelta(days=1)
    )
    assert _get(client, "download_pdf", report).status_code == 200

    # The manager becomes a 相談員: their own report answers 404 too.
    account_services.membership_add(
        actor=None, user=manager, agency=desk_agency, role=Role.COUNSELOR
    )
    for name in ["download_pdf", "download_xlsx", "report_detail"]:
        assert _get(client_for(manager), name, report).status_code == 404


def test_a_report_not_done_has_no_download(client_for, manager):
    report = MonthlyReportFactory(requested_by=manager)
    client = client_for(manager)
    assert _get(client, "download_pdf", report).status_code == 404


def test_the_status_fragment_polls_until_done(client_for, manager):
    report = MonthlyReportFactory(requested_by=manager)
    client = client_for(manager)
    fragment = _get(client, "report_status", report).text
    assert 'hx-trigger="every 2s"' in fragment
    assert reverse("reports:report_status", kwargs={"pk": report.pk}) in fragment
    assert "待機中" in fragment

    claimed = services.report_claim(report_id=report.pk, token="t", worker="w")
    services.report_progress(report=claimed, token="t", progress=40)
    fragment = _get(client, "report_status", report).text
    assert 'value="40"' in fragment and "作成中" in fragment and "every 2s" in fragment

    services.report_fail(
        report_id=report.pk, token="t", error="統計の作成中にエラーが発生しました。"
    )
    fragment = _get(client, "report_status", report).text
    assert "hx-trigger" not in fragment
    assert "統計の作成中にエラーが発生しました。" in fragment

    done = finish_report(MonthlyReportFactory(requested_by=manager, month=dt.date(2024, 3, 1)))
    fragment = _get(client, "report_status", done).text
    assert "hx-trigger" not in fragment
    assert reverse("reports:download_pdf", kwargs={"pk": done.pk}) in fragment
    page = _get(client, "report_detail", done).text
    assert reverse("reports:download_xlsx", kwargs={"pk": done.pk}) in page


def test_request_form_accepts_wareki_and_refuses_what_it_cannot_make(
    client_for, manager, django_capture_on_commit_callbacks
):
    client = client_for(manager)
    url = reverse("reports:report_request")
    page = client.get(reverse("reports:report_list")).text
    this_month = timezone.localdate().replace(day=1)
    assert f'value="{this_month:%Y-%m}"' in page
    assert "令和" in page and "月分" in page

    for month, error in [
        ("2099-01", "までの月を選んでください。"),
        ("2019-01", "までの月を選んでください。"),  # before the desk opened
        ("R6.13", "13月"),
        ("そのうち", "月の形式が正しくありません。"),
        ("", "このフィールドは必須です。"),
    ]:
        response = client.post(url, {"month": month, "scope": "desk"})
        assert response.status_code == 200, month
        assert error in response.text, (month, response.text[-3000:])
        assert 'class="field has-error required"' in response.text
    assert MonthlyReport.objects.count() == 0

    # 和暦 typed by hand; sending is left for after the commit (not run here).
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url, {"month": "令和6年5月", "scope": "desk"})
    report = MonthlyReport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("reports:report_detail", kwargs={"pk": report.pk})
    assert (report.month, report.scope_agency, report.status) == (
        dt.date(2024, 5, 1),
        None,
        "queued",
    )
    assert len(callbacks) == 1
    assert report.history.first().history_user == manager

    # The same request again while the first is on its way: no second row.
    response = client.post(url, {"month": "2024-05", "scope": "desk"})
    assert response.url == reverse("reports:report_detail", kwargs={"pk": report.pk})
    assert MonthlyReport.objects.count() == 1


def test_list_query_count_does_not_grow(client_for, manager, coordinator):
    """The list at 2 and at 20 reports runs the same queries: session, user,
    statistics scopes (memberships + agencies), count, page of reports with agency and
    requester, plus the base layout's own (primary agency, notification badge)."""
    client = client_for(manager)
    months = [dt.date(2023 + (i + 5) // 12, (i + 5) % 12 + 1, 1) for i in range(20)]

    def make(n):
        MonthlyReport.objects.all().delete()
        for month in months[:n]:
            MonthlyReportFactory(requested_by=manager, month=month)
        finish_report(MonthlyReport.objects.first())

    counts = []
    for n in (2, 20):
        make(n)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("reports:report_list"))
        assert response.status_code == 200
        assert response.text.count('class="report-status"') == n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
