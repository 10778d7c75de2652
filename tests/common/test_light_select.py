"""LightSelect and LightTextInput render, in Python, the HTML Django's select and input
templates render."""

import datetime as dt

import pytest
from django import forms
from django.utils.safestring import mark_safe

from common.forms import WarekiDateField, WarekiDateInput
from common.widgets import LightSelect, LightTextInput

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


@pytest.mark.parametrize(
    "value, attrs",
    [
        (None, None),
        ("", {"class": "wide"}),
        ('<"山田" & 花子>', {"required": True, "disabled": False, "data-x": '"q"'}),
        (mark_safe("<b>x</b>"), {"maxlength": 100}),
        (0, {"autofocus": True}),
    ],
)
def test_light_text_input_renders_the_same_html_as_the_input_templates(value, attrs):
    light = LightTextInput(attrs).render("f", value)
    plain = forms.TextInput(attrs).render("f", value)
    assert light == plain
    assert light.startswith('<input type="text" name="f"')


@pytest.mark.parametrize("data", [None, {"d": "R6.3.14"}, {"d": "2024-03-14"}, {"d": "<x>"}])
def test_wareki_date_input_renders_what_the_templates_rendered(data):
    """The date box of every form (common.forms.WarekiDateInput) keeps its HTML: its
    placeholder, class, inputmode, a bound value and an initial date."""

    class Form(forms.Form):
        d = WarekiDateField(required=False, initial=dt.date(2024, 3, 14))

    class Templated(WarekiDateInput):
        render = forms.Widget.render  # Django's templates

    bound = Form(data)["d"]
    plain = bound.as_widget(widget=Templated())
    assert str(bound) == plain
    assert 'class="date"' in plain and 'placeholder="例: R6.3.14 / 2024-03-14"' in plain
