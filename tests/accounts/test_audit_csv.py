"""閲覧記録の CSV 出力: UTF-8 with BOM and Japanese headers (Excel opens it as it is),
streamed, filtered like the page, scoped like the page, and itself logged."""

import csv
import io

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.audit import log_access
from accounts.choices import Role
from accounts.models import AccessLog
from tests.factories import HouseholdFactory, PersonFactory, staff

pytestmark = pytest.mark.django_db

URL = reverse("households:access_log_csv")
HEADERS = [
    "日時",
    "利用者ID",
    "利用者名",
    "結果",
    "対象の種類",
    "対象ID",
    "対象者ID",
    "対象者氏名",
    "対象者ふりがな",
    "画面",
    "詳細",
    "内容",
]


@pytest.fixture
def partner_manager(partner_agency):
    return staff(partner_agency, Role.MANAGER, username="partner_manager", display_name="包括 所長")


@pytest.fixture
def yamada(desk, desk_agency):
    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk)
    return PersonFactory(
        household=household,
        actor=desk,
        family_name="山田",
        given_name="太郎",
        family_name_kana="ヤマダ",
        given_name_kana="タロウ",
    )


@pytest.fixture
def logs(desk, partner, outsider, yamada):
    return {
        "desk": log_access(user=desk, obj=yamada, person_id=yamada.pk, detail="household:1"),
        "partner": log_access(user=partner, obj=yamada, person_id=yamada.pk),
        "denied": log_access(
            user=outsider,
            object_type="cases.case",
            object_id="99",
            outcome=AccessLog.Outcome.DENIED,
        ),
    }


def read_csv(response) -> tuple[bytes, list[list[str]]]:
    assert isinstance(response, StreamingHttpResponse)
    data = b"".join(response.streaming_content)
    return data, list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_export_is_utf8_with_bom_and_japanese_headers(client_for, manager, logs):
    response = client_for(manager).get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=UTF-8''")
    assert "%E9%96%B2%E8%A6%A7%E8%A8%98%E9%8C%B2_" in disposition  # 閲覧記録_
    assert "no-store" in response["Cache-Control"]
    data, rows = read_csv(response)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM
    assert rows[0] == HEADERS
    body = rows[1:]
    # Newest first; the export's own row is there too (it was written first).
    assert [r[1] for r in body] == ["manager", "outsider", "partner", "desk"]
    export_row, denied, partner_row, desk_row = body
    assert export_row[3] == "出力"
    assert desk_row[2] == "窓口 花子"
    assert desk_row[3] == "閲覧"
    assert desk_row[6] == str(logs["desk"].person_id)
    assert desk_row[7] == "山田 太郎"
    assert desk_row[8] == "ヤマダ タロウ"
    assert desk_row[10] == "household:1"
    assert denied[3] == "拒否"
    assert denied[4] == "ケース"
    assert denied[5] == "99"
    assert denied[6:9] == ["", "", ""]


def test_the_export_is_logged_as_an_export(client_for, manager, logs, desk):
    before = AccessLog.objects.count()

    response = client_for(manager).get(URL, {"user": desk.pk, "outcome": "read"})
    read_csv(response)

    assert AccessLog.objects.count() == before + 1
    row = AccessLog.objects.latest("pk")
    assert row.user == manager
    assert row.outcome == AccessLog.Outcome.EXPORT
    assert row.object_type == "accounts.accesslog"
    assert row.path == URL
    assert row.detail == f"csv user={desk.pk} outcome=read"


def test_the_export_follows_the_filters(client_for, manager, logs, desk):
    response = client_for(manager).get(URL, {"user": desk.pk, "person": "やまだ"})

    _data, rows = read_csv(response)
    assert [(r[1], r[7]) for r in rows[1:]] == [("desk", "山田 太郎")]


def test_a_partner_manager_exports_only_their_staffs_reads(client_for, partner_manager, logs):
    _data, rows = read_csv(client_for(partner_manager).get(URL))

    # Their own export row (they are the agency's staff) and the partner's read.
    assert [r[1] for r in rows[1:]] == ["partner_manager", "partner"]


def test_a_bad_filter_shows_the_form_and_exports_nothing(client_for, manager, logs):
    before = AccessLog.objects.count()

    response = client_for(manager).get(URL, {"date_from": "R6.5.3", "date_to": "R6.5.1"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "「まで」は「から」と同じ日かそれより後にしてください。" in response.content.decode()
    assert AccessLog.objects.count() == before


def test_cells_excel_would_run_as_formulas_are_defused(client_for, manager, desk, desk_agency):
    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk)
    person = PersonFactory(
        household=household,
        actor=desk,
        family_name='=HYPERLINK("http://example.invalid")',
        given_name="",
        family_name_kana="イコール",
        given_name_kana="",
    )
    log_access(user=desk, obj=person, person_id=person.pk, detail="@SUM(A1)")

    _data, rows = read_csv(client_for(manager).get(URL, {"person": str(person.pk)}))

    row = rows[1]
    assert row[7] == '\'=HYPERLINK("http://example.invalid")'
    assert row[10] == "'@SUM(A1)"


def _export_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL)
        _data, rows = read_csv(response)  # streaming: the rows are read here
    return len(ctx.captured_queries), len(rows)


def test_export_query_count_does_not_grow_with_the_rows(client_for, manager, desk, yamada):
    """2 rows and 20 rows cost the same queries (session, user, roles, scope, the export's
    own log row, then the rows with the user and person joined in one query)."""
    client = client_for(manager)
    for _ in range(2):
        log_access(user=desk, obj=yamada, person_id=yamada.pk)
    small, small_rows = _export_queries(client)
    for _ in range(18):
        log_access(user=desk, obj=yamada, person_id=yamada.pk)
    large, large_rows = _export_queries(client)

    assert large_rows > small_rows + 17
    assert small == large


def test_the_rows_are_streamed_in_chunks(client_for, manager, desk, yamada, monkeypatch):
    """The queryset is read with iterator(): rows go out as they are fetched, not after
    the whole log is in memory."""
    from households import views_audit

    monkeypatch.setattr(views_audit, "CSV_CHUNK", 5)
    for _ in range(12):
        log_access(user=desk, obj=yamada, person_id=yamada.pk)

    response = client_for(manager).get(URL)
    chunks = iter(response.streaming_content)
    assert next(chunks) == "\ufeff".encode()
    assert next(chunks).decode().startswith("日時,")
    first = next(chunks).decode()
    assert first.split(",")[1] == "manager"  # the export row, newest
    rest = list(chunks)
    assert len(rest) == 12


def test_export_asks_for_the_password_again_when_it_is_not_fresh(client_for, manager, logs):
    from tests.auth_helpers import make_stale

    client = client_for(manager)
    make_stale(client)
    exports_before = AccessLog.objects.filter(outcome=AccessLog.Outcome.EXPORT).count()
    response = client.get(URL, {"outcome": "read"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:reauth"))
    assert AccessLog.objects.filter(outcome=AccessLog.Outcome.EXPORT).count() == exports_before


def test_a_non_manager_gets_404_not_a_password_prompt(client_for, desk, logs):
    from tests.auth_helpers import make_stale

    client = client_for(desk)
    make_stale(client)
    assert client.get(URL).status_code == 404
