"""The admin site renders no domain object (DESIGN.md "Who may see what"; issue 13,
item 2): an administrator walking every admin page (index, change lists, add, change,
delete and history pages of real objects, popups, autocomplete, the bulk delete
confirmation) finds none of the words a household told the desk, and an agency or a
user that owns such records is deactivated, not deleted.

The URL list is built from admin.site._registry, so a new ModelAdmin is walked too."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, reverse
from django.utils import timezone

from accounts.models import Agency, User
from cases import services as case_services
from cases.choices import CasePersonRole, ExemptionReason
from households import services as household_services
from meetings import services as meeting_services
from tests.factories import ConsentFactory, DistrictFactory, HouseholdFactory, PersonFactory
from tests.factories_community import CommunityIssueFactory, CommunityResourceFactory
from tests.factories_meetings import MeetingFactory, add_case_item, add_member
from tests.factories_outreach import OutreachTargetFactory
from tests.factories_participation import (
    HostDevelopmentFactory,
    OpportunityFactory,
    PlacementFactory,
)
from tests.factories_referrals import (
    CASE_TITLE,
    CONSULTATION_SECRET,
    PERSON_GIVEN,
    PLAN_SECRET,
    RECORD_SECRET,
    SECOND_GIVEN,
    ReferralFactory,
    make_case,
)

pytestmark = pytest.mark.django_db

DV_TITLE = "DV避難世帯の支援"
DV_HOUSEHOLD = "避難中の鈴木さん世帯"
SHELTER_ADDRESS = "架空市緑ケ丘3丁目シェルター201"
SHELTER_PHONE = "090-1111-2222"
DV_RECORD = "加害者が職場に現れたため避難先を変更"
MINUTES_DISCUSSION = "長男の不登校について学校と情報共有した"
MINUTES_DECISION = "週1回の家庭訪問を継続する"
AGENDA_BRIEF = "母の介護と長男のひきこもりで世帯が孤立"
REFERRAL_NOTE = "児童虐待の通告に基づく例外"
CONSENT_PURPOSE = "借金整理のための弁護士との情報共有"
OUTREACH_CONCERN = "夜間に怒鳴り声が聞こえる"
PLACEMENT_NOTE = "対人恐怖があるため少人数の作業から始める"

SECRETS = [
    CASE_TITLE,
    CONSULTATION_SECRET,
    RECORD_SECRET,
    PLAN_SECRET,
    PERSON_GIVEN,
    SECOND_GIVEN,
    DV_TITLE,
    DV_HOUSEHOLD,
    SHELTER_ADDRESS,
    SHELTER_PHONE,
    DV_RECORD,
    MINUTES_DISCUSSION,
    MINUTES_DECISION,
    AGENDA_BRIEF,
    REFERRAL_NOTE,
    CONSENT_PURPOSE,
    OUTREACH_CONCERN,
    PLACEMENT_NOTE,
]


@pytest.fixture
def seeded(desk, desk_agency, manager, partner, partner_agency, outsider_agency):
    """Domain records on the desk agency and its counselor `desk` (and the partner they
    were shared with), each carrying one of SECRETS."""
    district = DistrictFactory(name="第1区")
    case, principal, _son = make_case(desk=desk, desk_agency=desk_agency)
    household_services.household_update(actor=desk, household=case.household, district=district)
    consent = ConsentFactory(
        person=principal, agencies=[outsider_agency], recorded_by=desk, purpose=CONSENT_PURPOSE
    )
    ReferralFactory(
        case=case,
        actor=desk,
        to_agency=partner_agency,
        exemption_reason=ExemptionReason.values[0],
        exemption_note=REFERRAL_NOTE,
    )
    ReferralFactory(case=case, actor=desk, to_agency=outsider_agency, consent=consent)

    dv_household = HouseholdFactory(
        registered_by_agency=desk_agency,
        actor=desk,
        name=DV_HOUSEHOLD,
        address=SHELTER_ADDRESS,
        phone=SHELTER_PHONE,
        is_address_confidential=True,
        district=district,
    )
    dv_person = PersonFactory(household=dv_household, actor=desk, family_name="鈴木")
    dv_case = case_services.case_open(
        actor=desk,
        household=dv_household,
        lead_agency=desk_agency,
        lead_staff=desk,
        title=DV_TITLE,
        persons=[(dv_person, CasePersonRole.PRINCIPAL)],
    )
    case_services.record_create(
        actor=desk,
        case=dv_case,
        agency=desk_agency,
        occurred_at=timezone.now() - dt.timedelta(days=1),
        kind="visit",
        narrative=DV_RECORD,
    )

    meeting = MeetingFactory(chair=desk, organising_agency=desk_agency)
    add_member(meeting, manager, actor=desk)
    item = add_case_item(meeting, case, actor=desk, brief=AGENDA_BRIEF)
    meeting_services.minutes_save(
        actor=desk, item=item, discussion=MINUTES_DISCUSSION, decisions=MINUTES_DECISION
    )

    OutreachTargetFactory(
        actor=desk,
        assigned_agency=desk_agency,
        household=case.household,
        concern=OUTREACH_CONCERN,
        district=district,
    )
    opportunity = OpportunityFactory(actor=manager, host_agency=desk_agency, district=district)
    PlacementFactory(
        actor=desk, person=principal, opportunity=opportunity, case=case, note=PLACEMENT_NOTE
    )
    HostDevelopmentFactory(actor=manager, host_agency=desk_agency, opportunity=opportunity)
    CommunityResourceFactory(actor=manager, district=district)
    CommunityIssueFactory(actor=manager, district=district)
    return {"case": case, "dv_case": dv_case, "district": district}


# ---------------------------------------------------------------- the URL list


def _name(model, view):
    return f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"


def _autocomplete_urls(term):
    """One autocomplete URL per (source admin, relation to a searchable admin)."""
    urls = []
    for model in admin.site._registry:
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model):
                continue
            target = admin.site._registry.get(field.related_model)
            if target is None or not target.search_fields:
                continue
            query = {
                "app_label": model._meta.app_label,
                "model_name": model._meta.model_name,
                "field_name": field.name,
                "term": term,
            }
            urls.append(f"{reverse('admin:autocomplete')}?{urlencode(query)}")
    return urls


def _versions(obj):
    """django-simple-history's version ids of obj, for its one-version page."""
    history = getattr(obj, "history", None)
    if history is None or not hasattr(history, "values_list"):
        return []
    return list(history.values_list("history_id", flat=True)[:3])


def _model_admin_urls(model, model_admin):
    """Every named URL of one ModelAdmin (change list, add, change, delete, history,
    the password page, simple-history's version page...) for every object, each also
    as a popup with _to_field."""
    popup = urlencode({"_popup": 1, "_to_field": model._meta.pk.attname})
    objs = list(model._default_manager.all()[:50])
    urls = []
    for pattern in model_admin.get_urls():
        if not isinstance(pattern, URLPattern) or not pattern.name:
            continue
        name = f"admin:{pattern.name}"
        groups = pattern.pattern.regex.groups
        if groups == 0:
            found = [reverse(name)]
        elif groups == 1:
            found = [reverse(name, args=[obj.pk]) for obj in objs]
        else:
            found = [
                reverse(name, args=[obj.pk, version]) for obj in objs for version in _versions(obj)
            ]
        urls += [u for url in found for u in (url, f"{url}?{popup}")]
    changelist = reverse(_name(model, "changelist"))
    urls += [f"{changelist}?_popup=1", f"{changelist}?q=%E4%BD%90%E8%97%A4"]  # q=佐藤
    return urls


def admin_urls():
    """Every admin page an administrator can open for the objects in the database."""
    urls = [reverse("admin:index")]
    for app_label in {model._meta.app_label for model in admin.site._registry}:
        urls.append(reverse("admin:app_list", args=[app_label]))
    for model, model_admin in admin.site._registry.items():
        urls += _model_admin_urls(model, model_admin)
    for term in ("", "佐藤", "鈴木"):
        urls += _autocomplete_urls(term)
    # The site's "view on site" redirect, for a domain object of every kind.
    for model in apps.get_models():
        obj = model._default_manager.first()
        if obj is not None and hasattr(obj, "get_absolute_url"):
            ct = ContentType.objects.get_for_model(model)
            urls.append(reverse("admin:view_on_site", args=[ct.pk, obj.pk]))
    return urls


def _bulk_delete_pages(client):
    """The delete_selected confirmation of every admin with the action, for all rows."""
    pages = []
    for model, model_admin in admin.site._registry.items():
        pks = list(model._default_manager.values_list("pk", flat=True)[:50])
        if not pks or model_admin.actions is None:
            continue
        url = reverse(_name(model, "changelist"))
        response = client.post(
            url, {"action": "delete_selected", ACTION_CHECKBOX_NAME: [str(pk) for pk in pks]}
        )
        pages.append((f"{url} delete_selected", response))
    return pages


def _assert_clean(label, response):
    assert response.status_code < 500, (label, response.status_code)
    body = response.content.decode(errors="replace")
    leaked = [secret for secret in SECRETS if secret in body]
    assert not leaked, (label, leaked)


def test_walking_every_admin_page_shows_no_domain_object(client_for, admin_user, seeded):
    client = client_for(admin_user)
    urls = admin_urls()
    delete_pages = [u for u in urls if u.endswith("/delete/")]
    assert reverse(_name(Agency, "delete"), args=[seeded["case"].lead_agency_id]) in delete_pages
    assert reverse(_name(User, "delete"), args=[seeded["case"].lead_staff_id]) in delete_pages
    for url in urls:
        _assert_clean(url, client.get(url))
    for label, response in _bulk_delete_pages(client):
        _assert_clean(label, response)
    # Every registered model was walked (a new ModelAdmin joins the walk by itself).
    assert len(urls) > 10 * len(admin.site._registry)


# ---------------------------------------------------------------- deactivate, not delete


def _fingerprint():
    rows = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        if model._meta.label_lower in {"accounts.accesslog", "sessions.session"}:
            continue
        rows[model._meta.label_lower] = model._base_manager.count()
    return rows


@pytest.mark.parametrize("which", ["agency", "user"])
def test_agency_or_user_owning_records_is_not_deleted(client_for, admin_user, seeded, which):
    case = seeded["dv_case"]
    target = case.lead_agency if which == "agency" else case.lead_staff
    model = type(target)
    client = client_for(admin_user)
    url = reverse(_name(model, "delete"), args=[target.pk])

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "削除できません" in html
    assert "無効" in html  # says to deactivate instead
    for secret in SECRETS:
        assert secret not in html, secret

    before = _fingerprint()
    response = client.post(url, {"post": "yes"})
    assert response.status_code in (200, 403)
    assert model.objects.filter(pk=target.pk).exists()
    assert _fingerprint() == before

    # Nor through the list's bulk delete action.
    changelist = reverse(_name(model, "changelist"))
    response = client.post(
        changelist,
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [str(target.pk)], "post": "yes"},
    )
    assert response.status_code in (200, 302, 403)
    assert model.objects.filter(pk=target.pk).exists()
    assert _fingerprint() == before


def test_master_data_without_records_can_still_be_deleted(client_for, admin_user, desk_agency):
    from accounts.services import agency_create

    unused = agency_create(actor=admin_user, name="登録間違いの機関", kind=desk_agency.kind)
    client = client_for(admin_user)
    url = reverse(_name(Agency, "delete"), args=[unused.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "削除できません" not in page.content.decode()
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Agency.objects.filter(pk=unused.pk).exists()


def test_delete_page_of_master_data_with_domain_rows_shows_counts_only(
    client_for, admin_user, seeded
):
    """A district with households on it: the page names no household."""
    district = seeded["district"]
    client = client_for(admin_user)
    html = client.get(reverse(_name(type(district), "delete"), args=[district.pk])).content
    html = html.decode()
    assert "削除できません" in html
    assert "世帯" in html  # the kind of record, counted
    for secret in SECRETS:
        assert secret not in html, secret


def test_every_registered_admin_counts_instead_of_naming():
    """The admin site wraps every ModelAdmin, the ones registered later included."""
    from accounts.admin_site import RecordsSafeAdminMixin

    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, RecordsSafeAdminMixin), model._meta.label
