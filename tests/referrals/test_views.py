"""Referral pages as the cast uses them: the form and its errors, the inbox, the
detail page's steps, notifications, the agency directory, home and case pages."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ActionLog, Agency
from cases.choices import GrantScope
from referrals import services
from referrals.choices import ReferralStatus
from referrals.models import Notification, Referral, ReferralEvent
from tests.factories import AgencyFactory, ConsentFactory
from tests.factories_referrals import PERSON_GIVEN, ReferralFactory, consent_for, make_case


def field_block(html: str, name: str) -> str:
    """The <div class="field"> rendered by _field.html for the named input."""
    for chunk in html.split('<div class="field')[1:]:
        if f'id="id_{name}' in chunk or f'for="id_{name}' in chunk:
            return chunk
    raise AssertionError(f"no field {name!r} in the page")


def form_data(world, agency, **extra):
    data = {
        "case": world["case"].pk,
        "to_agency": agency.pk,
        "persons": [world["principal"].pk],
        "reason": "介護の申請が必要",
        "request": "要介護認定の申請を手伝ってほしい",
        "scope": "summary",
        "consent": world["consent"].pk,
        "exemption_reason": "",
        "exemption_note": "",
    }
    data.update(extra)
    return data


def new_url(case):
    return reverse("referrals:referral_new") + f"?case={case.pk}"


# ---------------------------------------------------------------- the referral form


def test_the_desk_sends_a_referral_through_the_form(
    world, desk, partner_agency, client_for, django_capture_on_commit_callbacks
):
    client = client_for(desk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(new_url(world["case"]), form_data(world, partner_agency))
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:referral_detail", args=[referral.pk])
    assert (referral.to_agency, referral.scope, referral.consent) == (
        partner_agency,
        GrantScope.SUMMARY,
        world["consent"],
    )
    page = client.get(response["Location"]).content.decode()
    assert "架空町地域包括支援センターへ繋ぎを送りました。" in page


def test_without_a_covering_consent_the_form_says_what_to_record(
    world, desk, outsider_agency, client_for
):
    client = client_for(desk)
    response = client.post(new_url(world["case"]), form_data(world, outsider_agency, consent=""))
    assert response.status_code == 200
    block = field_block(response.content.decode(), "consent")
    assert "架空町社会福祉協議会を共有先に含む有効な本人同意が選ばれていません" in block
    assert "法令上の例外" in block
    # A consent that names another agency is refused the same way.
    response = client.post(new_url(world["case"]), form_data(world, outsider_agency))
    assert "有効な本人同意が選ばれていません" in field_block(response.content.decode(), "consent")
    assert not Referral.objects.exists()


def test_an_exemption_without_its_reason_is_refused_beside_the_field(
    world, desk, outsider_agency, client_for
):
    response = client_for(desk).post(
        new_url(world["case"]),
        form_data(world, outsider_agency, consent="", exemption_reason="life"),
    )
    block = field_block(response.content.decode(), "exemption_note")
    assert "例外とする具体的な理由を記録してください" in block
    assert not Referral.objects.exists()


def test_required_fields_have_japanese_errors(world, desk, client_for):
    response = client_for(desk).post(new_url(world["case"]), {"case": world["case"].pk})
    html = response.content.decode()
    assert "繋ぎ先の機関を選んでください。" in field_block(html, "to_agency")
    assert "対象者を1人以上選んでください。" in field_block(html, "persons")
    assert "繋ぐ理由・経緯を入力してください。" in field_block(html, "reason")


def test_the_service_refusal_shows_on_the_form(world, desk, partner_agency, client_for):
    ReferralFactory(
        case=world["case"], actor=desk, to_agency=partner_agency, consent=world["consent"]
    )
    response = client_for(desk).post(new_url(world["case"]), form_data(world, partner_agency))
    assert response.status_code == 200
    assert "すでに架空町地域包括支援センターへ繋いでいます" in response.content.decode()
    assert Referral.objects.count() == 1


def test_consent_options_offer_only_consents_naming_the_agency(
    world, desk, partner_agency, outsider_agency, client_for
):
    other = ConsentFactory(person=world["son"], agencies=[outsider_agency], recorded_by=desk)
    client = client_for(desk)
    url = reverse("referrals:consent_options") + f"?case={world['case'].pk}"
    html = client.get(url + f"&to_agency={partner_agency.pk}", HTTP_HX_REQUEST="true")
    html = html.content.decode()
    assert f'value="{world["consent"].pk}"' in html and f'value="{other.pk}"' not in html
    html = client.get(url + f"&to_agency={outsider_agency.pk}").content.decode()
    assert f'value="{other.pk}"' in html and f'value="{world["consent"].pk}"' not in html
    # The form wires the agency select to this partial.
    form = client.get(new_url(world["case"])).content.decode()
    assert 'hx-get="/referrals/new/consents/?case=' in form
    assert 'hx-target="#consent-options"' in form


# ---------------------------------------------------------------- the detail page's steps


def test_declining_without_a_reason_shows_the_error_beside_the_field(
    world, desk, partner, partner_agency, client_for
):
    referral = ReferralFactory(
        case=world["case"], actor=desk, to_agency=partner_agency, consent=world["consent"]
    )
    client = client_for(partner)
    response = client.post(
        reverse("referrals:referral_decline", args=[referral.pk]), {"decline-reason": ""}
    )
    assert response.status_code == 200
    assert "辞退の理由を入力してください。" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    response = client.post(
        reverse("referrals:referral_decline", args=[referral.pk]),
        {"decline-reason": "担当地区外のため"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == (
        ReferralStatus.DECLINED,
        "担当地区外のため",
    )


def test_the_detail_page_offers_only_the_steps_of_each_side(
    world, desk, partner, partner_agency, client_for
):
    referral = ReferralFactory(
        case=world["case"], actor=desk, to_agency=partner_agency, consent=world["consent"]
    )
    url = reverse("referrals:referral_detail", args=[referral.pk])
    receiver = client_for(partner).get(url).content.decode()
    assert "/accept/" in receiver and "/decline/" in receiver and "/cancel/" not in receiver
    assert PERSON_GIVEN in receiver and referral.request in receiver
    sender = client_for(desk).get(url).content.decode()
    assert "/cancel/" in sender and "/accept/" not in sender


# ---------------------------------------------------------------- inbox


def _many(world, desk, partner, partner_agency, n):
    """n more referrals to the partner on one case; all but the newest declined."""
    rows = []
    for _ in range(n):
        for open_one in Referral.objects.filter(status=ReferralStatus.SENT):
            services.referral_decline(actor=partner, referral=open_one, reason="管轄外")
        rows.append(
            ReferralFactory(
                case=world["case"], actor=desk, to_agency=partner_agency, consent=world["consent"]
            )
        )
    return rows


@pytest.mark.parametrize("tab", ["received", "sent"])
def test_inbox_query_count_does_not_grow_with_rows(
    tab, world, desk, partner, partner_agency, client_for
):
    user = partner if tab == "received" else desk
    client = client_for(user)
    url = reverse("referrals:inbox") + f"?tab={tab}"
    counts = []
    for n in (2, 20):
        _many(world, desk, partner, partner_agency, n - Referral.objects.count())
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.decode().count("/referrals/") >= n
        counts.append(len(ctx.captured_queries))
    # session, user, roles, agency ids, COUNT for the paginator, the sent-tab checks
    # (is desk staff, has sent), the top bar's agency, the template's desk check, the
    # page of referrals (case, agencies, staff joined), the prefetched persons: the
    # same for 2 and 20 rows.
    assert counts[0] == counts[1], counts


def test_inbox_puts_unanswered_and_overdue_first_and_marks_overdue(
    world, desk, partner, partner_agency, outsider_agency, client_for
):
    answered = ReferralFactory(
        case=world["case"], actor=desk, to_agency=partner_agency, consent=world["consent"]
    )
    services.referral_accept(actor=partner, referral=answered)
    case2, p2, _ = make_case(desk=desk, desk_agency=world["case"].lead_agency, family="鈴木")
    waiting = ReferralFactory(
        case=case2,
        actor=desk,
        to_agency=partner_agency,
        consent=consent_for(p2, [partner_agency], actor=desk),
    )
    case3, p3, _ = make_case(desk=desk, desk_agency=world["case"].lead_agency, family="田中")
    late = ReferralFactory(
        case=case3,
        actor=desk,
        to_agency=partner_agency,
        consent=consent_for(p3, [partner_agency], actor=desk),
    )
    Referral.objects.filter(pk=late.pk).update(
        answer_due_on=timezone.localdate() - dt.timedelta(days=2)
    )
    services.referrals_mark_overdue()
    for user, tab in ((partner, "received"), (desk, "sent")):
        html = client_for(user).get(reverse("referrals:inbox") + f"?tab={tab}").content.decode()
        order = [html.index(f'/referrals/{r.pk}/"') for r in (late, waiting, answered)]
        assert order == sorted(order), tab
        assert html.count("期限超過") == 1


# ---------------------------------------------------------------- notifications


def test_notifications_list_marks_read_and_the_badge_counts_unread(
    world, desk, partner, partner_agency, client_for
):
    ReferralFactory(
        case=world["case"], actor=desk, to_agency=partner_agency, consent=world["consent"]
    )
    client = client_for(partner)
    badge = client.get(reverse("referrals:notification_badge")).content.decode()
    assert '<span class="badge"' in badge and ">1<" in badge
    page = client.get(reverse("home")).content.decode()
    assert 'hx-get="/referrals/notifications/badge/"' in page
    html = client.get(reverse("referrals:notification_list")).content.decode()
    assert "新着" in html and "から新しい繋ぎが届きました" in html
    assert Notification.objects.get(recipient=partner).read_at is not None
    badge = client.get(reverse("referrals:notification_badge")).content.decode()
    assert "badge" not in badge
    # Nobody else's notices show.
    assert (
        "繋ぎが届きました"
        not in client_for(desk).get(reverse("referrals:notification_list")).content.decode()
    )


def test_notification_list_query_count(world, desk, partner, partner_agency, client_for):
    client = client_for(partner)
    url = reverse("referrals:notification_list")
    counts = []
    for n in (2, 20):
        _many(world, desk, partner, partner_agency, n - Referral.objects.count())
        Notification.objects.update(read_at=None)
        client.get(reverse("referrals:notification_badge"))
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        counts.append(len(ctx.captured_queries))
        Notification.objects.update(read_at=None)
    # session, user, COUNT for the paginator, the page of notices, one UPDATE marking
    # the unread ones read and one INSERT of their history rows, the top bar's agency.
    assert counts[0] == counts[1], counts


# ---------------------------------------------------------------- agency directory


@pytest.fixture
def directory(db):
    return [
        AgencyFactory(name="架空町社会福祉協議会 本所", kind="swc", handles="生活福祉資金の貸付"),
        AgencyFactory(
            name="架空病院", kind="medical", handles="医療費の相談", phone="096-111-2222"
        ),
        AgencyFactory(name="閉鎖した事業所", kind="other", is_active=False),
    ]


@pytest.mark.parametrize(
    ("q", "found", "missing"),
    [
        ("病院", "架空病院", "生活福祉資金"),
        ("社会福祉協議会", "生活福祉資金", "架空病院"),  # by the kind's label
        ("貸付", "生活福祉資金", "架空病院"),  # by what it handles
        ("医療機関", "架空病院", "生活福祉資金"),
    ],
)
def test_directory_search(q, found, missing, directory, partner, client_for):
    html = client_for(partner).get(reverse("referrals:agency_list"), {"q": q}).content.decode()
    assert found in html and missing not in html
    assert "閉鎖した事業所" not in html


def test_inactive_agencies_are_hidden_from_all_but_administrators(
    directory, partner, admin_user, client_for
):
    gone = directory[2]
    url = reverse("referrals:agency_detail", args=[gone.pk])
    assert client_for(partner).get(url).status_code == 404
    assert client_for(admin_user).get(url).status_code == 200


def test_directory_query_count(partner, client_for):
    client = client_for(partner)
    counts = []
    for n in (2, 20):
        for i in range(n - Agency.objects.exclude(memberships__user=partner).count()):
            AgencyFactory(name=f"機関{n}-{i}")
        client.get(reverse("referrals:agency_list"))
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("referrals:agency_list"))
        counts.append(len(ctx.captured_queries))
    # session, user, COUNT for the paginator, the top bar's agency, the page of
    # agencies.
    assert counts[0] == counts[1], counts


def test_administrators_edit_the_directory_through_the_service(directory, admin_user, client_for):
    agency = directory[1]
    client = client_for(admin_user)
    url = reverse("referrals:agency_edit", args=[agency.pk])
    data = {
        "name": agency.name,
        "kind": agency.kind,
        "address": "架空町本町2-2",
        "phone": "電話番号",
        "hours": "平日9時〜17時",
        "handles": agency.handles,
        "contact_person": "相談 太郎",
        "is_active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "電話番号の形式が正しくありません" in field_block(response.content.decode(), "phone")
    agency.refresh_from_db()
    assert agency.address == ""
    data["phone"] = "096-333-4444"
    response = client.post(url, data)
    assert response.status_code == 302
    agency.refresh_from_db()
    assert (agency.address, agency.phone, agency.contact_person) == (
        "架空町本町2-2",
        "096-333-4444",
        "相談 太郎",
    )
    assert agency.history.first().history_user == admin_user
    assert ActionLog.objects.filter(action="accounts.agency.updated", actor=admin_user).exists()


# ---------------------------------------------------------------- home and case page


def test_home_shows_unanswered_and_overdue_referrals(
    world, desk, partner, partner_agency, outsider, client_for
):
    referral = ReferralFactory(
        case=world["case"], actor=desk, to_agency=partner_agency, consent=world["consent"]
    )
    detail = reverse("referrals:referral_detail", args=[referral.pk])
    home = client_for(partner).get(reverse("home")).content.decode()
    assert "回答待ちの繋ぎ（自機関あて）" in home and detail in home
    assert "回答期限を過ぎた繋ぎ" not in home
    services.referrals_mark_overdue(today=referral.answer_due_on + dt.timedelta(days=1))
    home = client_for(partner).get(reverse("home")).content.decode()
    assert "回答期限を過ぎた繋ぎ" in home
    desk_home = client_for(desk).get(reverse("home")).content.decode()
    assert "回答期限を過ぎた繋ぎ" in desk_home and detail in desk_home
    assert "回答待ちの繋ぎ" not in desk_home  # nothing waits for the desk to answer
    assert detail not in client_for(outsider).get(reverse("home")).content.decode()


def test_the_case_page_has_the_refer_button_panel_and_timeline(
    world, desk, partner, partner_agency, client_for
):
    case = world["case"]
    referral = ReferralFactory(
        case=case, actor=desk, to_agency=partner_agency, consent=world["consent"]
    )
    services.referral_decline(actor=partner, referral=referral, reason="人手が足りない")
    html = client_for(desk).get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert f'href="/referrals/new/?case={case.pk}"' in html
    assert f"/referrals/{referral.pk}/" in html  # panel
    assert "架空町 ふくしの相談窓口 → 架空町地域包括支援センター：辞退" in html  # timeline
    assert "人手が足りない" in html


def test_a_summary_receiver_sees_the_panel_but_no_refer_button_or_referral_timeline(
    world, desk, partner, partner_agency, client_for
):
    case = world["case"]
    referral = ReferralFactory(
        case=case, actor=desk, to_agency=partner_agency, consent=world["consent"]
    )
    services.referral_accept(actor=partner, referral=referral)
    html = client_for(partner).get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "?case=" not in html
    assert reverse("referrals:record_add", args=[referral.pk]) in html
    assert "：受理" not in html  # referral events are for records-scope viewers


def test_the_timeline_provider_costs_the_same_for_more_events(
    world, desk, partner, partner_agency, client_for
):
    client = client_for(desk)
    url = reverse("cases:case_detail", args=[world["case"].pk])
    counts = []
    for n in (2, 20):
        _many(world, desk, partner, partner_agency, n - Referral.objects.count())
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        counts.append(
            [q["sql"] for q in ctx.captured_queries if "referrals_referralevent" in q["sql"]]
        )
    # One query for the case's referral events, whatever their number.
    assert len(counts[0]) == len(counts[1]) == 1
    assert ReferralEvent.objects.count() > 20


# ---------------------------------------------------------------- to the desk


def test_a_partner_refers_a_person_to_the_desk_through_the_form(
    desk, desk_agency, partner, client_for
):
    from intake.models import Consultation, ConsultationCategory

    category, _ = ConsultationCategory.objects.get_or_create(
        name="その他", defaults={"statistics_group": "その他"}
    )
    client = client_for(partner)
    url = reverse("referrals:to_desk")
    response = client.post(url, {"desk_agency": desk_agency.pk, "urgency": "normal"})
    html = response.content.decode()
    assert "対象者の氏名を入力してください。" in field_block(html, "person_name")
    assert "相談内容を1つ以上選んでください。" in field_block(html, "categories")
    assert not Consultation.objects.exists()
    response = client.post(
        url,
        {
            "desk_agency": desk_agency.pk,
            "person_name": "高橋 一郎",
            "person_name_kana": "たかはし いちろう",
            "person_birth_date": "S35.1.2",
            "categories": [category.pk],
            "summary": "借金の相談をしたい",
            "urgency": "soon",
            "consent_status": "yes",
            "consent_date": "R6.4.1",
        },
    )
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert consultation.caller_agency == partner.primary_agency
    assert "タカハシイチロウ" in consultation.summary
    assert "昭和35年1月2日" in consultation.summary


def test_reading_notifications_writes_their_history(
    world, desk, partner, partner_agency, client_for
):
    ReferralFactory(
        case=world["case"], actor=desk, to_agency=partner_agency, consent=world["consent"]
    )
    notice = Notification.objects.get(recipient=partner)
    client_for(partner).get(reverse("referrals:notification_list"))
    latest = notice.history.order_by("-history_id").first()
    assert latest.read_at is not None and latest.history_user == partner
