"""Form parts that several apps' forms repeat: a model form carrying the row's version,
a status change offering only the reachable statuses, and a choice of persons
labelled with their 和暦 birth date."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common import wareki


class VersionedModelForm(forms.ModelForm):
    """A model form for a common.models.Versioned row: the version it was loaded at
    travels in a hidden field, and common.crud.save_form(edit=True) hands it to the
    service as expected_version so a stale second save is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)


class PersonChoiceField(forms.ModelChoiceField):
    """Persons by name, with the birth date where known to tell namesakes apart."""

    def label_from_instance(self, obj):
        if not obj.birth_date:
            return obj.full_name
        return gettext("%(name)s（%(date)s生）") % {
            "name": obj.full_name,
            "date": wareki.format_date(obj.birth_date),
        }


class StatusChangeForm(forms.Form):
    """Moves a record along its status machine. `to_status` offers only the statuses
    reachable from the current one; the service checks the transition again."""

    to_status = forms.ChoiceField(
        label=_("新しい状況"), error_messages={"required": _("新しい状況を選んでください。")}
    )

    def offer_transitions(self, current: str, statuses, transitions: dict) -> None:
        """statuses: the TextChoices; transitions: {status: set of statuses after it}."""
        allowed = transitions.get(current, set())
        self.fields["to_status"].choices = [c for c in statuses.choices if c[0] in allowed]
