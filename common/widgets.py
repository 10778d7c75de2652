"""Widget behaviour shared by every form.

Django offers an empty choice labelled "---------". Here it is said in Japanese:
「選択してください」 where a choice is required, 「（なし）」 where it may stay empty. The
label is chosen when the option is rendered (ChoiceWidget.create_option), because only
then is it known whether the field is required (widget.is_required); one patch, applied
from CommonConfig.ready(), covers selects, radio buttons, model choices, the admin site.
"""

from django.forms import widgets
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
