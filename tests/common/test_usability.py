"""Issue 19 (usability): each fix asserted by what the page or the data says.

- checkbox and radio groups are fieldsets captioned by a legend; errors get a summary;
- each role's home has its next step; zero counts show no badge; logout says so;
- the header has no duplicate referral links; the admin site's login section is Japanese;
- the access log says in words what was read, naming only what the reviewer may see,
  and a statistics download is logged as 出力;
- dates echo as typed, empty choices are Japanese, phone dashes are normalised, the
  minutes page shows a form's error beside its field and offers 確定 only after the start.
"""

import datetime as dt
import re

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from accounts.audit import log_access
from accounts.choices import Role
from accounts.models import AccessLog, Agency
from common.forms import PhoneField, WarekiDateField
from intake.choices import Outcome
from meetings.models import RoleAssignment
from tests.factories import staff
from tests.factories_intake import ConsultationFactory
from tests.factories_meetings import MeetingFactory, add_case_item, open_case

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- common form parts


class _Choices(forms.Form):
    required_agency = forms.ModelChoiceField(queryset=Agency.objects.all())
    optional_agency = forms.ModelChoiceField(queryset=Agency.objects.all(), required=False)
    kind = forms.ChoiceField(choices=[("", "---------"), ("a", "A")], required=False)
    many = forms.MultipleChoiceField(
        label="共有先", choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple
    )
    way = forms.ChoiceField(label="方法", choices=[("x", "X")], widget=forms.RadioSelect)
    phone = PhoneField(required=False)
    day = WarekiDateField(label="受付日", required=False)


def test_the_empty_choice_is_japanese(desk_agency):
    html = str(_Choices())
    assert "---------" not in html
    assert '<option value="" selected>選択してください</option>' in html
    assert '<option value="">（なし）</option>' in html or "（なし）</option>" in html


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("096\u2212293\u22123122", "096-293-3122"),  # U+2212 MINUS SIGN
        ("０９６－２９３－３１２２", "096-293-3122"),  # full-width digits and hyphen
        ("090ー1234ー5678", "090-1234-5678"),  # katakana ー
        ("096\u2010293\u20153122", "096-293-3122"),  # hyphen, horizontal bar
        ("（096）293-3122", "(096)293-3122"),
    ],
)
def test_phone_dashes_and_full_width_digits_are_normalised(typed, stored):
    form = _Choices({"phone": typed, "many": ["a"], "way": "x"})
    form.is_valid()
    assert "phone" not in form.errors
    assert form.cleaned_data["phone"] == stored


def test_an_impossible_era_date_is_echoed_as_typed():
    form = _Choices({"day": "H22.13.40", "many": ["a"], "way": "x"})
    assert not form.is_valid()
    assert form.errors["day"] == ["平成22年13月40日という日付はありません。"]


def test_groups_are_fieldsets_with_the_caption_above_and_an_error_summary(rf):
    from django.template.loader import render_to_string

    form = _Choices({"day": "H22.13.40"})
    form.is_valid()
    html = render_to_string("_form.html", {"form": form})
    many = re.search(r'<fieldset id="id_many_group">\s*<legend>共有先</legend>', html)
    assert many, html
    # the caption is no <label> around the options any more
    assert "<label><div" not in html and "</div> 共有先</label>" not in html
    assert html.index("<legend>共有先</legend>") < html.index('id="id_many_0"')
    summary = html[html.index('class="error-summary"') : html.index("</ul>")]
    assert '<a href="#id_many_0">共有先：' in summary  # a group links to its first box
    assert '<a href="#id_day">受付日：平成22年13月40日という日付はありません。</a>' in summary
    assert html.index("error-summary") < html.index('class="field')


# ---------------------------------------------------------------- home, header, logout


def _home(client_for, user):
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_desk_home_starts_a_consultation(client_for, desk):
    html = _home(client_for, desk)
    assert f'href="{reverse("intake:consultation_new")}">相談を受け付ける</a>' in html
    assert '<span class="badge">0</span>' not in html  # 担当中のケース: none, no red 0


def _badge(html, title):
    """The badge beside a home section's title, and what a screen reader hears after it."""
    found = re.search(
        re.escape(title) + r' <span class="badge">([^<]*)</span>'
        r'<span class="visually-hidden">([^<]*)</span>',
        html,
    )
    return found.groups() if found else None


def test_a_capped_home_list_says_there_are_more_and_links_to_them_all(
    client_for, desk, desk_agency
):
    for hour in range(20):
        ConsultationFactory(
            agency=desk_agency,
            received_by=desk,
            outcome=Outcome.ONGOING,
            received_at=timezone.now() - dt.timedelta(hours=30 - hour),
        )
    html = _home(client_for, desk)
    assert _badge(html, "受付の対応待ち") == ("20", "件")  # all of them: no "+"
    assert "ケース化を待つ相談をすべて表示" not in html

    latest = ConsultationFactory(
        agency=desk_agency, received_by=desk, outcome=Outcome.ONGOING, summary="21件目の相談"
    )
    html = _home(client_for, desk)
    assert _badge(html, "受付の対応待ち") == ("20+", "件以上")
    assert "21件目の相談" not in html  # the oldest twenty are listed
    link = reverse("intake:consultation_list") + "?show=awaiting"
    assert f'href="{link}">ケース化を待つ相談をすべて表示</a>' in html
    listed = client_for(desk).get(link).content.decode()
    assert reverse("intake:consultation_detail", args=[latest.pk]) in listed


def test_my_cases_on_home_link_to_the_whole_list_when_capped(client_for, desk, desk_agency):
    cases = [open_case(agency=desk_agency, actor=desk, title=f"ケース{n:02d}") for n in range(21)]
    html = _home(client_for, desk)
    assert _badge(html, "担当中のケース") == ("20+", "件以上")
    link = reverse("cases:case_list") + "?status=open&amp;mine=on"
    assert f'<a href="{link}">すべて表示（ホームには20件まで）</a>' in html
    listed = client_for(desk).get(link.replace("&amp;", "&")).content.decode()
    assert all(reverse("cases:case_detail", args=[c.pk]) in listed for c in cases)


def test_the_municipal_home_sends_a_sheet(client_for, municipal):
    html = _home(client_for, municipal)
    assert f'href="{reverse("intake:sheet_new")}">つなぐシートを作成する</a>' in html
    assert "いま対応が必要なものはありません" not in html
    assert "相談を受け付ける" not in html


def test_the_administrators_home_leads_to_the_admin_site(client_for, admin_user):
    html = _home(client_for, admin_user)
    assert f'href="{reverse("admin:index")}">管理サイトを開く</a>' in html
    assert "いま対応が必要なものはありません" not in html


def test_the_admin_sites_login_lockout_section_is_japanese(client_for, admin_user):
    html = client_for(admin_user).get(reverse("admin:index")).content.decode()
    assert "ログイン制限（django-axes）" in html
    assert "ログイン失敗の記録" in html
    assert "Access attempts" not in html and "Access logs" not in html
    changelist = client_for(admin_user).get(reverse("admin:axes_accessattempt_changelist"))
    page = changelist.content.decode()
    assert "ロック中" in page and "Locked Out" not in page  # the filter
    assert "Form Data" not in page and "Meta Data" not in page


def test_the_header_names_the_referral_pages_once(client_for, desk):
    html = client_for(desk).get(reverse("referrals:inbox")).content.decode()
    header = html[html.index('<header class="topbar">') : html.index("</header>")]
    assert "繋ぎ先一覧" not in header and ">繋ぎ<" not in header
    assert "通知" in header
    subnav = html[html.index('<nav class="subnav"') :]
    subnav = subnav[: subnav.index("</nav>")]
    assert subnav.count("繋ぎ先一覧") == 1
    assert 'class="active" aria-current="page">繋ぎ</a>' in subnav
    assert html.index('class="skip-link"') < html.index('<header class="topbar">')


def test_logout_says_so_on_the_login_page(client_for, desk):
    client = client_for(desk)
    response = client.post(reverse("accounts:logout"), follow=True)
    assert response.request["PATH_INFO"] == reverse("accounts:login")
    assert "ログアウトしました。" in response.content.decode()


# ---------------------------------------------------------------- access log in words


@pytest.fixture
def partner_manager(partner_agency):
    return staff(partner_agency, Role.MANAGER, username="partner_manager", display_name="包括 所長")


def _log_page(client_for, user):
    response = client_for(user).get(reverse("households:access_log"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_access_log_says_what_was_read(client_for, manager, desk, desk_agency):
    case = open_case(agency=desk_agency, actor=desk, title="高橋さん世帯（8050）の支援")
    meeting = MeetingFactory(chair=desk, organising_agency=desk_agency, title="第4回 支援会議")
    person = case.case_persons.first().person
    log_access(user=desk, obj=case, detail="timeline")
    log_access(user=desk, obj=person, person_id=person.pk, detail=f"case:{case.pk}")
    log_access(user=desk, obj=meeting, detail="minutes_pdf", outcome=AccessLog.Outcome.EXPORT)
    log_access(user=desk, obj=case, detail=f"meeting:{meeting.pk}:minutes")

    html = _log_page(client_for, manager)
    assert "<td>ケース: 高橋さん世帯（8050）の支援（ケースのページ）</td>" in html
    assert "<td>ケース: 高橋さん世帯（8050）の支援</td>" in html  # the person, read in it
    assert "<td>議事録 PDF: 第4回 支援会議</td>" in html
    assert "<td>議事録: 第4回 支援会議 ／ ケース: 高橋さん世帯（8050）の支援</td>" in html
    assert "case:" not in html.split("<tbody>")[1]  # no raw codes


def test_the_access_log_names_nothing_the_reviewer_may_not_see(
    client_for, partner_manager, partner, desk, desk_agency
):
    """The partner's manager reviews the partner's reads; the case is the desk's and not
    shared with the partner: it is shown by number only."""
    case = open_case(agency=desk_agency, actor=desk, title="秘密の世帯の支援")
    log_access(
        user=partner,
        object_type="cases.case",
        object_id=case.pk,
        detail="timeline",
        outcome=AccessLog.Outcome.DENIED,
    )

    html = _log_page(client_for, partner_manager)
    assert f"<td>ケース #{case.pk}（ケースのページ）</td>" in html
    assert "秘密の世帯" not in html


def test_the_csv_carries_the_words(client_for, manager, desk, desk_agency):
    case = open_case(agency=desk_agency, actor=desk, title="高橋さん世帯の支援")
    log_access(user=desk, obj=case, detail="records_pdf", outcome=AccessLog.Outcome.EXPORT)
    response = client_for(manager).get(reverse("households:access_log_csv"))
    body = b"".join(response.streaming_content).decode("utf-8")
    assert "支援経過 PDF: 高橋さん世帯の支援" in body


# ---------------------------------------------------------------- meeting minutes


def test_a_role_without_agency_is_refused_beside_the_field(client_for, desk, desk_agency):
    case = open_case(agency=desk_agency, actor=desk)
    meeting = MeetingFactory(chair=desk, organising_agency=desk_agency)
    item = add_case_item(meeting, case, actor=desk)
    url = reverse("meetings:role_add", args=[meeting.pk, item.pk])

    response = client_for(desk).post(url, {f"r{item.pk}-task": "訪問する"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="messages"' not in html  # no banner
    block = html[html.index(f'id="id_r{item.pk}-agency"') - 400 :]
    assert "has-error" in block[:400]
    assert '<p class="error" role="alert">このフィールドは必須です。</p>' in block
    assert not RoleAssignment.objects.exists()


def test_finalising_is_offered_only_after_the_start(client_for, desk, desk_agency):
    later = MeetingFactory(
        chair=desk,
        organising_agency=desk_agency,
        starts_at=timezone.now() + dt.timedelta(days=2),
    )
    held = MeetingFactory(chair=desk, organising_agency=desk_agency)
    client = client_for(desk)

    html = client.get(reverse("meetings:minutes", args=[later.pk])).content.decode()
    assert "議事録を確定する" not in html
    assert "の後に確定できます" in html
    html = client.get(reverse("meetings:minutes", args=[held.pk])).content.decode()
    assert "議事録を確定する" in html


# ---------------------------------------------------------------- household search


def test_search_shows_the_address_only_where_the_reader_may_see_it(
    client_for, desk, desk_agency, partner, partner_agency
):
    from households import access
    from tests.factories import HouseholdFactory, PersonFactory

    open_household = HouseholdFactory(
        registered_by_agency=desk_agency, actor=desk, name="東さん世帯", address="架空町東1-1"
    )
    hidden = HouseholdFactory(
        registered_by_agency=desk_agency,
        actor=desk,
        name="西さん世帯",
        address="架空町西9-9",
        is_address_confidential=True,
    )
    for household, family in ((open_household, "東"), (hidden, "西")):
        PersonFactory(household=household, actor=desk, family_name=family, given_name="花")
        access.grant_household(agency=partner_agency, household=household)

    html = client_for(partner).get(reverse("households:search")).content.decode()
    assert "<td>架空町東1-1</td>" in html
    assert "架空町西9-9" not in html
    assert "（秘匿）" in html
    desk_html = client_for(desk).get(reverse("households:search")).content.decode()
    assert "<td>架空町西9-9</td>" in desk_html  # the lead agency sees it
