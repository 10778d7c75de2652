"""The 相談受付 form, filled during a live phone call: one screen holds the
consultation, the household (intake.forms.household_section) and the persons
concerned. It validates everything before anything is saved, so an error anywhere
leaves no half-registered household. Also the list filter and the case choice.
"""

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency
from common.forms import WarekiDateField
from households.choices import ConsentMethod
from households.forms import DEFAULT_CONSENT_PURPOSE
from households.models import Household, Person
from intake.choices import CameFrom, Channel, ConsentAtIntake, Outcome, Urgency
from intake.forms.fields import radio_choice
from intake.forms.household_section import HouseholdSection
from intake.models import Consultation, ConsultationCategory
from intake.selectors import SHOW_ALL, SHOW_AWAITING_CASE

# A minute's slack for clocks: "now" typed at the desk is not the future.
FUTURE_SLACK = dt.timedelta(minutes=5)


class ConsultationForm(HouseholdSection, forms.Form):
    """相談受付. Three shapes:

    - new consultation: household section (lookup or new household) shown;
    - edit: the same, pre-filled from the consultation;
    - 継続相談 on a case, or a consultation already on a case: fixed_household is
      given, and only its current members can be chosen as persons concerned.
    """

    received_on = WarekiDateField(
        label=_("受付日"),
        allow_future=False,
        error_messages={"required": _("受付日を入力してください。")},
    )
    received_time = forms.TimeField(
        label=_("時刻"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("受付時刻を入力してください。"),
            "invalid": _("時刻は 14:30 のように入力してください。"),
        },
    )
    channel = radio_choice(_("相談方法"), Channel.choices, _("相談方法を選んでください。"))
    came_from = radio_choice(_("相談者"), CameFrom.choices, _("相談者を選んでください。"))
    caller_name = forms.CharField(label=_("相談者の氏名"), max_length=100, required=False)
    caller_relationship = forms.CharField(label=_("本人との関係"), max_length=100, required=False)
    caller_agency = forms.ModelChoiceField(
        label=_("相談元の機関（関係機関・庁内他課から）"),
        queryset=Agency.objects.none(),
        required=False,
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("相談内容（複数可）"),
        queryset=ConsultationCategory.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("選んだ相談内容は使えません。")},
    )
    primary_category = forms.ModelChoiceField(
        label=_("主な相談内容"),
        queryset=ConsultationCategory.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("選んだ相談内容は使えません。")},
    )
    summary = forms.CharField(
        label=_("主訴"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("主訴を入力してください。")},
    )
    wishes = forms.CharField(
        label=_("本人・相談者の希望"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    urgency = forms.ChoiceField(
        label=_("緊急度"), choices=Urgency.choices, initial=Urgency.NORMAL, widget=forms.RadioSelect
    )
    consent_status = forms.ChoiceField(
        label=_("情報共有の同意"),
        choices=ConsentAtIntake.choices,
        initial=ConsentAtIntake.UNKNOWN,
        widget=forms.RadioSelect,
    )
    # 同意あり records a real 本人同意 (households.Consent) for each person concerned,
    # dated the day of the consultation; these say what it covers.
    consent_agencies = forms.ModelMultipleChoiceField(
        label=_("同意を得た共有先の機関"),
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("選んだ機関は使えません。")},
    )
    consent_purpose = forms.CharField(
        label=_("同意の目的（共有する範囲）"),
        initial=DEFAULT_CONSENT_PURPOSE,
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    consent_method = forms.ChoiceField(
        label=_("同意の方法"),
        choices=ConsentMethod.choices,
        initial=ConsentMethod.ORAL,
        required=False,
        widget=forms.RadioSelect,
    )
    outcome = radio_choice(_("対応結果"), Outcome.choices, _("対応結果を選んでください。"))
    persons = forms.ModelMultipleChoiceField(
        label=_("相談の対象者"),
        queryset=Person.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("対象者は、選んだ世帯の世帯員から選んでください。")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, fixed_household: Household | None = None, instance=None, **kw):
        super().__init__(*args, **kw)
        self.user = user
        self.fixed_household = fixed_household
        self.instance = instance
        self.duplicates: list[Person] = []
        self.new_household_attempted = False
        self.hidden_duplicates = 0
        current = instance.category_links.values("category_id") if instance else []
        categories = ConsultationCategory.objects.filter(Q(is_active=True) | Q(pk__in=current))
        self.fields["categories"].queryset = categories
        self.fields["primary_category"].queryset = categories
        self.fields["caller_agency"].queryset = Agency.objects.filter(is_active=True)
        # The receiving agency leads whatever follows and needs no consent for itself.
        self.fields["consent_agencies"].queryset = Agency.objects.filter(is_active=True).exclude(
            pk__in=user.agency_ids
        )
        if fixed_household is not None:
            self.fields["persons"].queryset = Person.objects.filter(
                household_memberships__household=fixed_household,
                household_memberships__until__isnull=True,
            )
        else:
            self._add_household_fields(user)
        if instance is None:
            now = timezone.localtime()
            self.initial.setdefault("received_on", now.date())
            self.initial.setdefault("received_time", now.time().replace(second=0, microsecond=0))
        else:
            self.initial.update(self._initial_from(instance))

    @staticmethod
    def _initial_from(c: Consultation) -> dict:
        local = timezone.localtime(c.received_at)
        links = list(c.category_links.all())
        primary = next((link.category_id for link in links if link.is_primary), None)
        return {
            "received_on": local.date(),
            "received_time": local.time().replace(second=0, microsecond=0),
            "channel": c.channel,
            "came_from": c.came_from,
            "caller_name": c.caller_name,
            "caller_relationship": c.caller_relationship,
            "caller_agency": c.caller_agency_id,
            "categories": [link.category_id for link in links],
            "primary_category": primary,
            "summary": c.summary,
            "wishes": c.wishes,
            "urgency": c.urgency,
            "consent_status": c.consent_status,
            "outcome": c.outcome,
            "household": c.household_id,
            "persons": list(c.persons.values_list("pk", flat=True)),
            "version": c.version,
        }

    # ------------------------------------------------------------ validation

    def clean(self):
        data = super().clean()
        self._clean_received_at(data)
        self._clean_categories(data)
        if self.fixed_household is not None:
            data["household"] = self.fixed_household
            self._clean_members(data, self.fixed_household)
        else:
            self._clean_household(data)
        has_household = (
            data.get("household") is not None
            or data.get("new_household") is not None
            or self.new_household_attempted
        )
        if data.get("outcome") == Outcome.ONGOING and not has_household:
            self.add_error(
                "outcome",
                _("継続支援にするには、世帯を選ぶか、新しい世帯を登録してください。"),
            )
        self._clean_consent(data)
        return data

    @cached_property
    def recorded_consents(self) -> list:
        """Consents this consultation already recorded (同意あり saved earlier)."""
        if self.instance is None:
            return []
        return list(self.instance.recorded_consents.select_related("person"))

    def _clean_consent(self, data):
        """同意あり asks what the person agreed to, unless this consultation has already
        recorded the consent."""
        data["consent"] = None
        if data.get("consent_status") != ConsentAtIntake.YES or self.recorded_consents:
            return
        agencies = list(data.get("consent_agencies") or [])
        purpose = (data.get("consent_purpose") or "").strip()
        method = data.get("consent_method") or ""
        ok = True
        if "consent_agencies" not in self.errors and not agencies:
            self.add_error(
                "consent_agencies",
                _("「同意あり」のときは、本人が情報共有に同意した機関を1つ以上選んでください。"),
            )
            ok = False
        if not purpose:
            self.add_error("consent_purpose", _("同意の目的を入力してください。"))
            ok = False
        if not method:
            self.add_error("consent_method", _("同意の方法（署名・口頭）を選んでください。"))
            ok = False
        has_persons = bool(data.get("persons")) or bool(data.get("new_persons"))
        if not has_persons and not self.errors:
            self.add_error(
                "consent_status",
                _(
                    "同意を記録するには、同意した人を相談の対象者として選ぶか、"
                    "新しい世帯に登録してください。"
                ),
            )
            ok = False
        if ok and "consent_agencies" not in self.errors:
            data["consent"] = {"agencies": agencies, "purpose": purpose, "method": method}

    def _clean_received_at(self, data):
        day, time = data.get("received_on"), data.get("received_time")
        if day is None or time is None:
            return
        received_at = timezone.make_aware(dt.datetime.combine(day, time))
        if received_at > timezone.now() + FUTURE_SLACK:
            self.add_error("received_time", _("未来の日時は入力できません。"))
        data["received_at"] = received_at

    def _clean_categories(self, data):
        categories = list(data.get("categories") or [])
        primary = data.get("primary_category")
        if "categories" in self.errors or "primary_category" in self.errors:
            return
        # 主 is a check box beside each category (it stays next to its category in
        # the tab order, which one radio group cannot); only one may be ticked.
        getlist = getattr(self.data, "getlist", None)
        raw = getlist(self.add_prefix("primary_category")) if getlist else []
        if len({str(v) for v in raw if str(v).strip()}) > 1:
            self.add_error("primary_category", _("主な相談内容は1つだけ選んでください。"))
            return
        if len(categories) == 1 and primary is None:
            primary = data["primary_category"] = categories[0]  # the only one is 主
        if not categories:
            self.add_error("categories", _("相談内容を1つ以上選んでください。"))
        elif primary is None:
            self.add_error("primary_category", _("主な相談内容を1つ選んでください。"))
        elif primary not in categories:
            self.add_error(
                "primary_category",
                _("主な相談内容は、チェックを付けた相談内容の中から選んでください。"),
            )

    # ------------------------------------------------------------ what the service gets

    CONSULTATION_FIELDS = [
        "received_at",
        "channel",
        "came_from",
        "caller_name",
        "caller_relationship",
        "caller_agency",
        "categories",
        "primary_category",
        "summary",
        "wishes",
        "urgency",
        "consent_status",
        "outcome",
    ]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {name: data[name] for name in self.CONSULTATION_FIELDS}
        kwargs["categories"] = list(kwargs["categories"])
        kwargs["household"] = data.get("household")
        kwargs["persons"] = list(data.get("persons") or [])
        if self.fixed_household is None:
            kwargs["new_household"] = data.get("new_household")
            kwargs["new_persons"] = data.get("new_persons") or []
        kwargs["consent"] = data.get("consent")
        return kwargs

    # ------------------------------------------------------------ what the template shows

    def category_rows(self) -> list[dict]:
        """Each category with its check box and its 主 radio state."""
        checked = set(self._bound_or_initial_list("categories"))
        primary = self._bound_or_initial("primary_category")
        return [
            {
                "pk": c.pk,
                "name": c.name,
                "checked": str(c.pk) in checked,
                "primary": str(c.pk) == primary,
            }
            for c in self.fields["categories"].queryset
        ]


class ConsultationFilterForm(forms.Form):
    show = forms.ChoiceField(
        label=_("表示"),
        choices=[(SHOW_ALL, _("すべて")), (SHOW_AWAITING_CASE, _("未ケース化"))],
        required=False,
    )
    start = WarekiDateField(label=_("受付日（から）"), required=False)
    end = WarekiDateField(label=_("受付日（まで）"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("期間の終わりは始まりより後にしてください。"))
        return data


class CaseChoiceForm(forms.Form):
    """Choose one of the given cases (the caller passes the queryset it may offer)."""

    case = forms.ModelChoiceField(
        label=_("結び付けるケース"),
        queryset=None,
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("ケースを選んでください。"),
            "invalid_choice": _("選んだケースには結び付けられません。"),
        },
    )

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases
        self.fields["case"].label_from_instance = lambda c: (
            _("%(title)s（%(status)s）")
            % {
                "title": c.title,
                "status": c.get_status_display(),
            }
        )
