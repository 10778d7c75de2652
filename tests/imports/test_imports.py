"""Import: preview (errors in Japanese, nothing written), same-person decisions,
commit through the services (history names the importing user), idempotence, only the
good rows, refused files; and who may do it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ActionLog
from cases.models import Case, SupportRecord
from households.models import Household, Person
from imports import services
from imports.models import BatchStatus, ImportBatch, RowState, SourceKey
from intake.models import Consultation
from referrals.models import Referral
from tests.factories import HouseholdFactory, PersonFactory
from tests.imports.helpers import book_bytes, upload

pytestmark = pytest.mark.django_db

DESK = "架空町 ふくしの相談窓口"
PARTNER = "架空町地域包括支援センター"


def ledger(**overrides):
    sheets = {
        "households": [
            {
                "世帯キー": "H1",
                "世帯の呼び名": "山田さん世帯",
                "住所": "本町1-1",
                "世帯員キー": "P1",
                "姓": "山田",
                "名": "太郎",
                "せい（ふりがな）": "やまだ",
                "めい（ふりがな）": "たろう",
                "生年月日": "S25.4.1",
                "続柄": "世帯主",
                "同意日": "2024-04-01",
                "同意の方法": "署名",
                "同意の共有先": PARTNER,
            },
            {
                "世帯キー": "H1",
                "世帯員キー": "P2",
                "姓": "山田",
                "名": "一郎",
                "せい（ふりがな）": "ヤマダ",
                "めい（ふりがな）": "イチロウ",
                "生年月日": "1980-01-02",
                "続柄": "子",
            },
        ],
        "consultations": [
            {
                "相談キー": "C1",
                "受付日": "R6.5.10",
                "相談方法": "電話",
                "相談者": "本人",
                "世帯キー": "H1",
                "対象者キー": "P1、P2",
                "相談内容": "収入・生活費、債務",
                "主な相談内容": "収入・生活費",
                "主訴": "借金の相談",
                "対応結果": "継続支援",
            }
        ],
        "cases": [
            {
                "ケースキー": "K1",
                "世帯キー": "H1",
                "ケース名": "山田家の支援",
                "主担当": "窓口 花子",
                "開始日": "2024-05-10",
                "対象者キー": "P1、P2",
                "相談キー": "C1",
            }
        ],
        "records": [
            {
                "記録キー": "R1",
                "ケースキー": "K1",
                "日時": "2024-05-11 10:30",
                "種別": "電話",
                "事業": "② 多機関協働",
                "機関": DESK,
                "対応者": "窓口 花子",
                "内容": "電話で状況を聞いた",
            }
        ],
        "referrals": [
            {
                "繋ぎキー": "T1",
                "ケースキー": "K1",
                "繋ぎ先": PARTNER,
                "送付日": "2024-05-26",
                "根拠": "本人同意",
                "繋ぐ理由": "介護の相談",
                "依頼したいこと": "訪問",
                "受理日": "2024-05-27",
            }
        ],
    }
    for code, rows in overrides.items():
        sheets[code] = rows
    return sheets


def commit(batch, user, capture, only_good=False):
    with capture(execute=True):
        services.batch_commit(actor=user, batch=batch, only_good=only_good)
    batch.refresh_from_db()
    return batch


@pytest.fixture
def setup(desk, manager, partner, categories, medical):
    return {"desk": desk, "manager": manager}


def test_commit_writes_through_services_and_history_names_the_importer(
    setup, manager, desk, desk_agency, partner_agency, django_capture_on_commit_callbacks
):
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes(ledger())))
    assert batch.error_rows == 0 and batch.total_rows == 6
    assert not Household.objects.exists()  # the preview writes nothing
    batch = commit(batch, manager, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.DONE and batch.written_rows == 6

    household = Household.objects.get()
    assert household.registered_by_agency == desk_agency
    assert household.history.first().history_user == manager
    persons = Person.objects.order_by("pk")
    assert [p.name_kana for p in persons] == ["ヤマダタロウ", "ヤマダイチロウ"]
    assert persons[0].birth_date == dt.date(1950, 4, 1)  # 和暦 S25.4.1
    consultation = Consultation.objects.get()
    assert consultation.received_by == manager and consultation.agency == desk_agency
    assert {link.category.name for link in consultation.category_links.all()} == {
        "収入・生活費",
        "債務",
    }
    assert consultation.primary_category.name == "収入・生活費"
    case = Case.objects.get()
    assert case.lead_staff == desk and case.history.first().history_user == manager
    assert case.consultation_links.get().consultation == consultation
    record = SupportRecord.objects.get(kind="phone")
    assert record.staff == desk and record.history.first().history_user == manager
    referral = Referral.objects.get()
    assert referral.status == "accepted" and referral.consent is not None
    assert referral.to_agency == partner_agency
    assert timezone.localdate(referral.accepted_at) == dt.date(2024, 5, 27)
    # the accepted referral opened the case to the partner (the sharing rules held)
    assert case.grants.filter(agency=partner_agency, revoked_at__isnull=True).exists()


def test_reimporting_the_same_file_changes_nothing(
    setup, manager, django_capture_on_commit_callbacks
):
    data = book_bytes(ledger())
    commit(
        services.batch_preview(actor=manager, upload=upload(data)),
        manager,
        django_capture_on_commit_callbacks,
    )
    counts = (Household.objects.count(), Person.objects.count(), Case.objects.count())
    records = SupportRecord.objects.count()
    again = services.batch_preview(actor=manager, upload=upload(data))
    assert again.already_rows == again.total_rows == 6
    assert set(again.rows.values_list("state", flat=True)) == {RowState.ALREADY}
    with pytest.raises(services.ImportActionRefused):
        services.batch_commit(actor=manager, batch=again)
    assert (Household.objects.count(), Person.objects.count(), Case.objects.count()) == counts
    assert SupportRecord.objects.count() == records


def test_preview_shows_japanese_errors_and_a_bad_file_imports_nothing(
    setup, manager, django_capture_on_commit_callbacks
):
    sheets = ledger()
    sheets["households"][1]["せい（ふりがな）"] = ""  # missing kana
    sheets["consultations"][0]["受付日"] = "R6.13.40"  # bad date
    sheets["consultations"][0]["主な相談内容"] = "宇宙人"  # unknown category
    sheets["referrals"][0]["繋ぎ先"] = "存在しない機関"  # unknown agency
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes(sheets)))
    errors = {(r.ledger, r.line): r.errors for r in batch.rows.all()}
    assert any("ふりがな（せい）がありません" in e for e in errors[("households", 3)])
    assert any("令和6年13月40日という日付はありません" in e for e in errors[("consultations", 2)])
    assert any("相談内容「宇宙人」" in e for e in errors[("consultations", 2)])
    assert any(
        "「存在しない機関」という機関は登録されていません" in e for e in errors[("referrals", 2)]
    )
    # the case refers to the bad consultation and person: it cannot be taken either
    assert any("相談キー「C1」の行にエラー" in e for e in errors[("cases", 2)])
    assert batch.error_rows == 5
    with pytest.raises(services.ImportActionRefused, match="エラーのある行が 5 行"):
        services.batch_commit(actor=manager, batch=batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEW
    assert not Household.objects.exists() and not SourceKey.objects.exists()


def test_only_the_good_rows_when_the_manager_says_so(
    setup, manager, django_capture_on_commit_callbacks
):
    sheets = ledger()
    sheets["records"].append(
        {
            "記録キー": "R2",
            "ケースキー": "K1",
            "日時": "昨日",
            "種別": "訪問",
            "機関": DESK,
            "内容": "訪問",
        }
    )
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes(sheets)))
    assert batch.error_rows == 1
    batch = commit(batch, manager, django_capture_on_commit_callbacks, only_good=True)
    assert batch.status == BatchStatus.DONE and batch.written_rows == 6
    assert SupportRecord.objects.filter(kind="visit").count() == 0
    bad = batch.rows.get(key="R2")
    assert bad.state == RowState.SKIPPED
    # fixed and uploaded again: only the missing row is written
    sheets["records"][1]["日時"] = "R6.5.12"
    again = services.batch_preview(actor=manager, upload=upload(book_bytes(sheets)))
    assert again.already_rows == 6 and again.error_rows == 0
    again = commit(again, manager, django_capture_on_commit_callbacks)
    assert again.written_rows == 1
    assert SupportRecord.objects.filter(kind="visit").count() == 1


def test_a_row_a_service_refuses_rolls_the_whole_file_back(
    setup, manager, django_capture_on_commit_callbacks
):
    sheets = ledger()
    # no consent names the hospital: referral_send refuses at commit
    sheets["referrals"][0]["繋ぎ先"] = "架空町立病院"
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes(sheets)))
    assert batch.error_rows == 0
    batch = commit(batch, manager, django_capture_on_commit_callbacks)
    assert batch.status == BatchStatus.FAILED
    assert "「繋ぎ」の2行目" in batch.error and "本人同意" in batch.error
    assert not Household.objects.exists() and not Case.objects.exists()
    assert not SourceKey.objects.exists()


def test_a_person_already_registered_is_offered_as_the_same_person(
    setup, manager, desk, desk_agency, django_capture_on_commit_callbacks
):
    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk)
    known = PersonFactory(
        household=household,
        actor=desk,
        family_name="山田",
        given_name="太郎",
        family_name_kana="ヤマダ",
        given_name_kana="タロウ",
        birth_date=dt.date(1950, 4, 1),
    )
    sheets = {"households": ledger()["households"]}
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes(sheets)))
    row = batch.rows.get(key="H1/P1")
    assert row.candidate_person == known and row.decision == "same"
    assert "すでに登録されている人" in row.candidate_label
    batch = commit(batch, manager, django_capture_on_commit_callbacks)
    assert Person.objects.filter(name_kana="ヤマダタロウ").count() == 1
    assert SourceKey.objects.get(kind="person", key="P1").object_id == known.pk

    # "new" registers a second person
    sheets["households"][0]["世帯員キー"] = "P9"
    sheets["households"] = sheets["households"][:1]
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes(sheets)))
    row = batch.rows.get()
    services.batch_decide(actor=manager, batch=batch, decisions={row.pk: "new"})
    commit(batch, manager, django_capture_on_commit_callbacks)
    assert Person.objects.filter(name_kana="ヤマダタロウ").count() == 2


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("memo.txt", b"hello", "Excel のファイル（.xlsx）を選んでください"),
        ("broken.xlsx", b"PK\x03\x04garbage", "Excel（.xlsx）として読めませんでした"),
        ("other.xlsx", None, "取り込める台帳のシートがありません"),
    ],
)
def test_bad_files_get_a_japanese_message_beside_the_field(
    setup, manager, client_for, name, data, message
):
    if data is None:
        import io

        from openpyxl import Workbook

        book = Workbook()
        book.active.title = "Sheet1"
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
    client = client_for(manager)
    response = client.post(reverse("imports:upload"), {"file": upload(data, name)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_preview_page_shows_rows_and_errors(setup, manager, client_for):
    sheets = ledger()
    sheets["households"][1]["せい（ふりがな）"] = ""
    client = client_for(manager)
    response = client.post(reverse("imports:upload"), {"file": upload(book_bytes(sheets))})
    batch = ImportBatch.objects.get()
    assert response.url == reverse("imports:batch_detail", args=[batch.pk])
    page = client.get(response.url).content.decode()
    assert "ふりがな（せい）がありません" in page and "3 行目" in page
    assert "このままでは何も取り込みません" in page


def test_only_desk_managers_reach_the_pages(setup, desk, partner, manager, client_for):
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes(ledger())))
    for user in (desk, partner):
        client = client_for(user)
        assert client.get(reverse("imports:index")).status_code == 404
        assert client.get(reverse("imports:batch_detail", args=[batch.pk])).status_code == 404
        response = client.post(reverse("imports:batch_commit", args=[batch.pk]))
        assert response.status_code == 404
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEW and not Household.objects.exists()


def test_templates_have_japanese_headers_and_pick_lists(setup, manager, client_for):
    import io

    from openpyxl import load_workbook

    client = client_for(manager)
    response = client.get(reverse("imports:template", args=["all"]))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames[:6] == [
        "世帯・世帯員",
        "相談受付",
        "ケース",
        "支援プラン",
        "支援経過",
        "繋ぎ",
    ]
    sheet = book["支援経過"]
    assert [c.value for c in sheet[1]][:4] == ["記録キー", "ケースキー", "日時", "種別"]
    formulas = {v.formula1 for v in sheet.data_validations.dataValidation}
    assert any("選択肢" in f for f in formulas)
    lists = book["選択肢"]
    values = {c.value for col in lists.iter_cols() for c in col}
    assert {"電話", "面談", DESK, "収入・生活費"} <= values


def test_the_home_page_links_managers_to_imports(setup, manager, desk, client_for):
    url = reverse("imports:index")
    assert url in client_for(manager).get(reverse("home")).content.decode()
    assert url not in client_for(desk).get(reverse("home")).content.decode()


def test_commit_is_logged(setup, manager, django_capture_on_commit_callbacks):
    batch = services.batch_preview(actor=manager, upload=upload(book_bytes(ledger())))
    commit(batch, manager, django_capture_on_commit_callbacks)
    actions = set(ActionLog.objects.filter(actor=manager).values_list("action", flat=True))
    assert {"imports.batch.previewed", "imports.batch.committed", "imports.batch.done"} <= actions
    assert "cases.case.opened" in actions  # the services' own log names the importer
