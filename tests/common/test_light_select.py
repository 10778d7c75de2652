"""LightSelect renders, in Python, the HTML Django's select templates render."""

import pytest
from django import forms
from django.utils.safestring import mark_safe

from common.widgets import LightSelect

CHOICES = [("", "すべて"), ("a", "<A & B>"), (1, "一"), ("x", mark_safe("<b>x</b>"))]
GROUPED = [("", "（未選択）"), ("群", [("g1", "一"), ("g2", "二")]), ("z", "ゼット")]


def _pair(choices, *, required=False, attrs=None):
    class Light(forms.Form):
        f = forms.ChoiceField(choices=choices, required=required, widget=LightSelect(attrs))

    class Plain(forms.Form):
        f = forms.ChoiceField(choices=choices, required=required, widget=forms.Select(attrs))

    return Light, Plain


@pytest.mark.parametrize(
    "choices, data, required, attrs",
    [
        (CHOICES, None, False, None),
        (CHOICES, {"f": "a"}, False, None),
        (CHOICES, {"f": "1"}, True, {"class": "wide", "disabled": True, "hidden": False}),
        (CHOICES, {"f": "nope"}, True, {"data-x": '"q"'}),
        (GROUPED, {"f": "g2"}, False, None),
        ([("", "---------"), ("a", "A")], None, True, None),
    ],
)
def test_light_select_renders_the_same_html_as_the_select_templates(choices, data, required, attrs):
    light, plain = _pair(choices, required=required, attrs=attrs)
    light_html, plain_html = str(light(data)["f"]), str(plain(data)["f"])
    assert light_html == plain_html
    assert light_html.startswith('<select name="f"') and light_html.endswith("</select>")


def test_light_select_marks_the_chosen_option_and_escapes_labels():
    light, _plain = _pair(CHOICES)
    html = str(light({"f": "a"})["f"])
    assert '<option value="a" selected>&lt;A &amp; B&gt;</option>' in html
    assert '<option value="x"><b>x</b></option>' in html
    assert html.count(" selected") == 1
