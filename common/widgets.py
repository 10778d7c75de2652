"""Widget behaviour shared by every form.

Django offers an empty choice labelled "---------". Here it is said in Japanese:
「選択してください」 where a choice is required, 「（なし）」 where it may stay empty. The
label is chosen when the option is rendered (ChoiceWidget.create_option), because only
then is it known whether the field is required (widget.is_required); one patch, applied
from CommonConfig.ready(), covers selects, radio buttons, model choices, the admin site.
"""

from django.forms import widgets
from django.utils.html import format_html
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext_lazy as _

DJANGO_EMPTY_LABEL = "---------"
REQUIRED_EMPTY_LABEL = _("選択してください")
OPTIONAL_EMPTY_LABEL = _("（なし）")


def empty_label(*, required: bool) -> str:
    return REQUIRED_EMPTY_LABEL if required else OPTIONAL_EMPTY_LABEL


def install_japanese_empty_label() -> None:
    original = widgets.ChoiceWidget.create_option
    if getattr(original, "japanese_empty_label", False):
        return

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        if label == DJANGO_EMPTY_LABEL and (value is None or str(value) == ""):
            label = empty_label(required=self.is_required)
        return original(self, name, value, label, selected, index, subindex, attrs)

    create_option.japanese_empty_label = True
    widgets.ChoiceWidget.create_option = create_option


class LightSelect(widgets.Select):
    """A select rendered in Python, to the same HTML as Django's select.html,
    select_option.html and attrs.html templates: a filter form on a list page rendered
    those three templates once per option at every request."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"', widget["name"]), _attrs(widget["attrs"]), ">"]
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in group_choices:
                parts += [
                    format_html('\n  <option value="{}"', _text(option["value"])),
                    _attrs(option["attrs"]),
                    format_html(">{}</option>\n", option["label"]),
                ]
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


class LightInputMixin:
    """An <input> rendered in Python, to the same HTML as Django's input.html and
    attrs.html (which text.html, date.html and the other input templates include): a
    form's date boxes rendered three templates each at every request."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<input type="{}" name="{}"', widget["type"], widget["name"])]
        if widget["value"] is not None:
            parts.append(format_html(' value="{}"', _text(widget["value"])))
        parts += [_attrs(widget["attrs"]), ">"]
        return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


class LightTextInput(LightInputMixin, widgets.TextInput):
    pass


def _text(value) -> str:
    """The template's `value|stringformat:'s'`: a safe string stays as it is."""
    return value if isinstance(value, SafeData) else str(value)


def _attrs(attrs) -> str:
    """Django's attrs.html: True gives a bare name, False leaves the attribute out."""
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, _text(value))
        for name, value in attrs.items()
        if value is not False
    )
