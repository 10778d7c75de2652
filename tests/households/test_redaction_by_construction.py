"""Redaction by construction (DESIGN "Who may see what"): a household's address, postal
code and phone, and a person's phones and mail, reach a template or PDF only through the
guarded accessor `{% contact obj "field" %}` (households/templatetags/contact.py), which
asks households.access. No template reads those fields itself."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import RequestFactory

from households.access import grant_household
from tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db

# The contact fields of Household and Person (households/models.py), and the
# "whereabouts" the design speaks of, should a field of that name ever appear.
CONTACT_FIELDS = (
    "address",
    "postal_code",
    "phone",
    "phone_digits",
    "mobile_phone",
    "mobile_digits",
    "email",
    "whereabouts",
)
READ = re.compile(r"\.(" + "|".join(CONTACT_FIELDS) + r")\b")
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
EXPRESSION = re.compile(r"[\w.]*\.(?:" + "|".join(CONTACT_FIELDS) + r")\b")

# Reads of fields of the same name on other models, which are not a household's or a
# person's: an agency's public contact details, and a つなぐシート's own fields (the
# sheet is seen only by its sender and the desk, intake.access decides).
NOT_A_HOUSEHOLD = {
    ("referrals/agency_detail.html", "agency.address"),
    ("referrals/agency_detail.html", "agency.phone"),
    ("referrals/agency_detail.html", "agency.email"),
    ("referrals/agency_list.html", "a.phone"),
    ("intake/sheet_detail.html", "sheet.address"),
    ("intake/sheet_detail.html", "sheet.mobile_phone"),
    ("intake/sheet_detail.html", "sheet.email"),
    ("intake/pdf/sheet.html", "sheet.address"),
    ("intake/pdf/sheet.html", "sheet.mobile_phone"),
    ("intake/pdf/sheet.html", "sheet.email"),
}


def _template_dirs() -> list[Path]:
    dirs = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    base = Path(settings.BASE_DIR)
    dirs += [
        p for p in base.glob("*/templates") if p.is_dir() and not p.parent.name.startswith(".")
    ]
    return dirs


def _templates():
    for root in _template_dirs():
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in {".html", ".txt", ".xml", ".csv"}:
                yield root, path


def test_the_scan_finds_the_web_and_pdf_templates():
    names = {str(path.relative_to(root)) for root, path in _templates()}
    assert "households/household_detail.html" in names
    assert "outreach/campaign_detail.html" in names
    assert "cases/pdf/records.html" in names


def test_no_template_reads_a_contact_field_directly():
    problems = []
    for root, path in _templates():
        name = str(path.relative_to(root))
        for tag in TAG.findall(path.read_text(encoding="utf-8")):
            if not READ.search(tag):
                continue
            for expression in EXPRESSION.findall(tag):
                if (name, expression) not in NOT_A_HOUSEHOLD:
                    problems.append(f"{name}: {expression}")
    assert not problems, "contact fields must go through {% contact obj 'field' %}: " + ", ".join(
        problems
    )


# -- the accessor --------------------------------------------------------------------


ADDRESS = "架空町避難先7-7-7"
PHONE = "096-555-0707"
MOBILE = "080-5555-0707"


@pytest.fixture
def hidden(desk, desk_agency, partner_agency):
    """住所秘匿, registered (and so led) by the desk; 包括 may view but not its details."""
    household = HouseholdFactory(
        registered_by_agency=desk_agency,
        actor=desk,
        name="避難さん世帯",
        postal_code="869-7777",
        address=ADDRESS,
        phone=PHONE,
        is_address_confidential=True,
    )
    PersonFactory(
        household=household,
        actor=desk,
        family_name="避難",
        given_name="ゆき",
        family_name_kana="ヒナン",
        given_name_kana="ユキ",
        birth_date=dt.date(1988, 8, 8),
        mobile_phone=MOBILE,
    )
    grant_household(agency=partner_agency, household=household)
    return household


SOURCE = (
    "{% load contact %}"
    "[{% contact household 'postal_address' %}]"
    "[{% contact household 'phone' %}]"
    "[{% contact person 'mobile_phone' %}]"
)


def _render(user, household, **extra):
    request = RequestFactory().get("/")
    if user is not None:
        request.user = user
    person = household.memberships.get().person
    context = {"household": household, "person": person, **extra}
    if user is not None:
        context["request"] = request
    return Template(SOURCE).render(Context(context))


def test_accessor_shows_the_lead_everything(desk, hidden):
    html = _render(desk, hidden)
    assert f"〒869-7777 {ADDRESS}" in html
    assert PHONE in html and MOBILE in html
    assert "秘匿" not in html


def test_accessor_hides_from_an_agency_without_the_right(partner, hidden):
    html = _render(partner, hidden)
    for secret in [ADDRESS, "869-7777", PHONE, MOBILE]:
        assert secret not in html
    assert html.count("（秘匿）") == 3


def test_accessor_hides_when_it_does_not_know_who_reads(hidden):
    html = _render(None, hidden)
    assert ADDRESS not in html and PHONE not in html and MOBILE not in html


def test_accessor_shows_an_ordinary_household_to_anyone_with_the_page(partner, desk, desk_agency):
    household = HouseholdFactory(
        registered_by_agency=desk_agency, actor=desk, address="架空町本町3-3", phone=""
    )
    PersonFactory(household=household, actor=desk, mobile_phone="090-1234-0000")
    html = _render(partner, household)
    assert "架空町本町3-3" in html and "090-1234-0000" in html
    assert "秘匿" not in html


def test_a_person_who_moved_into_hiding_is_hidden_on_the_old_household_too(
    partner, desk, desk_agency, partner_agency, hidden
):
    """Her old household is ordinary and shared with 包括; her phone stays with her."""
    from households import services

    old = HouseholdFactory(registered_by_agency=partner_agency, actor=partner, name="元の世帯")
    person = PersonFactory(household=old, actor=partner, mobile_phone="080-0000-4444")
    services.membership_create(actor=desk, household=hidden, person=person, relationship="child")
    context = {"household": old, "person": person}
    request = RequestFactory().get("/")
    request.user = partner
    html = Template("{% load contact %}{% contact person 'mobile_phone' %}").render(
        Context({**context, "request": request})
    )
    assert "080-0000-4444" not in html and "（秘匿）" in html


def test_unknown_field_is_refused(desk, hidden):
    with pytest.raises(Exception, match="notes"):
        Template("{% load contact %}{% contact household 'notes' %}").render(
            Context({"household": hidden, "user": desk})
        )
