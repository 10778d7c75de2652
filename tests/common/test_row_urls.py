"""row_url gives what reverse() gives, for the list pages' rows."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from common.row_urls import row_url


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("cases:case_detail", (7,)),
        ("cases:case_detail", (1234567,)),
        ("cases:plan_detail", (12, 3)),
        ("meetings:meeting_detail", (0,)),
        ("referrals:referral_detail", (42,)),
    ],
)
def test_same_address_as_reverse(name, args):
    assert row_url(name, *args) == reverse(name, args=args)


def test_under_a_script_prefix():
    set_script_prefix("/jusou/")
    try:
        assert (
            row_url("cases:case_detail", 5)
            == "/jusou/cases/5/"
            == reverse("cases:case_detail", args=[5])
        )
    finally:
        set_script_prefix("/")


def test_other_arguments_go_through_reverse():
    assert row_url("cases:case_detail", "8") == reverse("cases:case_detail", args=["8"])
    with pytest.raises(NoReverseMatch):
        row_url("cases:case_detail", "x")


def test_tag_matches_url_tag():
    context = Context({"c": {"pk": 31}, "p": {"case_id": 4, "pk": 9}})
    fast = Template(
        "{% load row_urls %}{% row_url 'cases:case_detail' c.pk %}"
        "|{% row_url 'cases:plan_detail' p.case_id p.pk %}"
    ).render(context)
    slow = Template(
        "{% url 'cases:case_detail' c.pk %}|{% url 'cases:plan_detail' p.case_id p.pk %}"
    ).render(context)
    assert fast == slow == "/cases/31/|/cases/4/plans/9/"
