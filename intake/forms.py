"""Forms for 相談受付 and つなぐシート.

The consultation form is filled during a live phone call: one screen holds the
consultation, the household (found by an inline htmx lookup, or registered as a new
household with up to two persons) and the persons concerned. It validates everything
before anything is saved, so an error anywhere leaves no half-registered household.
"""

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency
from common import kana
from common.forms import KanaField, PhoneField, WarekiDateField
from common.wareki import age_on
from households.access import (
    NoBasisToPassOn,
    households_visible_to,
    require_basis_to_pass_on,
    sort_duplicates,
)
from households.choices import ConsentMethod, Relationship, Sex
from households.forms import DEFAULT_CONSENT_PURPOSE
from households.models import District, Household, Person
from households.selectors import persons_visible_to, with_members
from households.services import possible_duplicates
from intake.choices import (
    CameFrom,
    Channel,
    ConsentAtIntake,
    ContactMethod,
    Outcome,
    SheetTopic,
    Urgency,
)
from intake.models import ConnectSheet, Consultation, ConsultationCategory
from intake.selectors import SHOW_ALL, SHOW_AWAITING_CASE, household_current_members
from intake.services import sheet_kana, split_sheet_name

# A minute's slack for clocks: "now" typed at the desk is not the future.
FUTURE_SLACK = dt.timedelta(minutes=5)

PERSON_FIELDS = [
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "birth_date",
    "sex",
    "relationship",
    "concerned",
]
# A new-person row counts as filled in when any of these holds something; the select
# boxes (sex, 続柄) carry defaults and do not make a row count.
PERSON_TEXT_FIELDS = [
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "birth_date",
]


def _person_row_fields(n: int) -> dict[str, forms.Field]:
    return {
        f"p{n}_family_name": forms.CharField(label=_("姓"), max_length=50, required=False),
        f"p{n}_given_name": forms.CharField(label=_("名"), max_length=50, required=False),
        f"p{n}_family_name_kana": KanaField(label=_("せい（ふりがな）"), required=False),
        f"p{n}_given_name_kana": KanaField(label=_("めい（ふりがな）"), required=False),
        f"p{n}_birth_date": WarekiDateField(
            label=_("生年月日"), required=False, allow_future=False
        ),
        f"p{n}_sex": forms.ChoiceField(
            label=_("性別"), choices=Sex.choices, initial=Sex.UNKNOWN, required=False
        ),
        f"p{n}_relationship": forms.ChoiceField(
            label=_("続柄"),
            choices=[("", "---------"), *Relationship.choices],
            initial=Relationship.HEAD if n == 1 else "",
            required=False,
        ),
        # Registering a household is not consulting about each of its members: only the
        # persons ticked here are the consultation's persons concerned (相談受付 実人数).
        f"p{n}_concerned": forms.BooleanField(
            label=_("この人についての相談"), required=False, initial=n == 1
        ),
    }


class ConsultationForm(forms.Form):
    """相談受付. Three shapes:

    - new consultation: household section (lookup or new household) shown;
    - edit: the same, pre-filled from the consultation;
    - 継続相談 on a case, or a consultation already on a case: fixed_household is
      given, and only its current members can be chosen as persons concerned.
    """

    PERSON_ROWS = 2

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
    channel = forms.ChoiceField(
        label=_("相談方法"),
        choices=Channel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("相談方法を選んでください。")},
    )
    came_from = forms.ChoiceField(
        label=_("相談者"),
        choices=CameFrom.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("相談者を選んでください。")},
    )
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
    outcome = forms.ChoiceField(
        label=_("対応結果"),
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("対応結果を選んでください。")},
    )
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
            self.fields["persons"].queryset = persons_visible_to(user)
            self.fields["household"] = forms.ModelChoiceField(
                label=_("世帯"),
                queryset=households_visible_to(user),
                required=False,
                widget=forms.HiddenInput,
                error_messages={
                    "invalid_choice": _("選んだ世帯が見つかりません。もう一度検索してください。")
                },
            )
            self.fields["nh_name"] = forms.CharField(
                label=_("世帯の呼び名"),
                max_length=100,
                required=False,
                help_text=_("空欄なら「（姓）さん世帯」になります"),
            )
            self.fields["nh_address"] = forms.CharField(
                label=_("住所"), max_length=300, required=False
            )
            self.fields["nh_phone"] = PhoneField(label=_("電話"), required=False)
            self.fields["nh_district"] = forms.ModelChoiceField(
                label=_("行政区"),
                queryset=District.objects.all(),
                required=False,
                help_text=_("地区ごとの件数（地域づくり・統計）に使います"),
                error_messages={"invalid_choice": _("選んだ行政区が見つかりません。")},
            )
            for n in range(1, self.PERSON_ROWS + 1):
                self.fields.update(_person_row_fields(n))
            self.fields["confirm_not_duplicate"] = forms.BooleanField(
                label=_("同一人物ではないことを確認しました"), required=False
            )
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

    def _clean_members(self, data, household):
        persons = list(data.get("persons") or [])
        member_ids = {p.pk for p in household_current_members(household)}
        if any(p.pk not in member_ids for p in persons):
            self.add_error("persons", _("対象者は、選んだ世帯の世帯員から選んでください。"))
        elif member_ids and not persons:
            self.add_error("persons", _("相談の対象となる世帯員を1人以上選んでください。"))

    def _filled_person_rows(self) -> list[int]:
        rows = []
        for n in range(1, self.PERSON_ROWS + 1):
            values = [self.cleaned_data.get(f"p{n}_{name}") for name in PERSON_TEXT_FIELDS]
            raw = [
                self.data.get(self.add_prefix(f"p{n}_{name}"), "") for name in PERSON_TEXT_FIELDS
            ]
            if any(values) or any(str(v).strip() for v in raw):
                rows.append(n)
        return rows

    def _clean_household(self, data):
        household = data.get("household")
        rows = self._filled_person_rows()
        new_used = rows or any(
            (data.get(f) or "").strip() for f in ("nh_name", "nh_address", "nh_phone")
        )
        data["new_household"], data["new_persons"] = None, []
        self.new_household_attempted = bool(new_used)
        if household is not None:
            if new_used:
                self.add_error(
                    "nh_name",
                    _("既存の世帯を選んだ場合は、「新しい世帯」の欄を空にしてください。"),
                )
            self._clean_members(data, household)
            return
        if data.get("persons"):
            self.add_error("persons", _("対象者を選ぶには、先に世帯を選んでください。"))
        if not new_used:
            return
        if not rows:
            self.add_error("p1_family_name", _("新しい世帯には世帯員を1人以上入力してください。"))
            return
        persons = []
        for n in rows:
            person = self._clean_person_row(n, data)
            if person is not None:
                persons.append(person)
        if len(persons) != len(rows):
            return
        if len(persons) == 1:
            persons[0]["concerned"] = True  # the only person named is the one concerned
        elif not any(p["concerned"] for p in persons):
            self.add_error(
                f"p{rows[0]}_concerned",
                _("相談の対象となる人に1人以上チェックを付けてください。"),
            )
            return
        name = (data.get("nh_name") or "").strip() or _("%(name)sさん世帯") % {
            "name": persons[0]["family_name"]
        }
        district = data.get("nh_district")
        if district is None and "nh_district" not in self.errors and District.objects.exists():
            self.add_error(
                "nh_district",
                _("行政区を選んでください（地区ごとの件数に数えるために必要です）。"),
            )
            return
        data["new_household"] = {
            "name": name,
            "address": (data.get("nh_address") or "").strip(),
            "phone": data.get("nh_phone") or "",
            "district": district,
        }
        data["new_persons"] = persons
        self._check_duplicates(data, persons)

    def _clean_person_row(self, n: int, data) -> dict | None:
        if any(f"p{n}_{name}" in self.errors for name in PERSON_FIELDS):
            return None
        row = {name: data.get(f"p{n}_{name}") for name in PERSON_FIELDS}
        row["family_name"] = (row["family_name"] or "").strip()
        row["given_name"] = (row["given_name"] or "").strip()
        ok = True
        if not row["family_name"]:
            self.add_error(f"p{n}_family_name", _("姓を入力してください。"))
            ok = False
        if not row["family_name_kana"]:
            self.add_error(f"p{n}_family_name_kana", _("せい（ふりがな）を入力してください。"))
            ok = False
        if not row["relationship"]:
            self.add_error(f"p{n}_relationship", _("続柄を選んでください。"))
            ok = False
        row["sex"] = row["sex"] or Sex.UNKNOWN
        row["given_name_kana"] = row["given_name_kana"] or ""
        row["concerned"] = bool(row["concerned"])
        return row if ok else None

    def _check_duplicates(self, data, persons):
        """Warn, as on the household page, when a new person may already be registered."""
        if data.get("confirm_not_duplicate"):
            return
        found: list[Person] = []
        for row in persons:
            found += list(
                possible_duplicates(
                    family_name_kana=row["family_name_kana"],
                    given_name_kana=row["given_name_kana"],
                    birth_date=row["birth_date"],
                ).prefetch_related("household_memberships")
            )
        if not found:
            return
        # A match in hiding is not mentioned at all (households.access.sort_duplicates).
        matches = sort_duplicates(self.user, found)
        self.duplicates, self.hidden_duplicates = matches.shown, matches.counted
        if not (self.duplicates or self.hidden_duplicates):
            return
        self.add_error(
            None,
            _(
                "同じふりがなと生年月日の人がすでに登録されています（重複の可能性）。"
                "登録済みの世帯であれば世帯を検索して選び、別の人であれば"
                "「同一人物ではないことを確認しました」に印を付けて、もう一度保存してください。"
            ),
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

    def _bound_or_initial_list(self, name) -> list[str]:
        if self.is_bound:
            return [str(v) for v in self.data.getlist(self.add_prefix(name))]
        value = self.initial.get(name) or []
        return [str(getattr(v, "pk", v)) for v in value]

    def _bound_or_initial(self, name) -> str:
        if self.is_bound:
            return str(self.data.get(self.add_prefix(name), ""))
        value = self.initial.get(name)
        return "" if value is None else str(getattr(value, "pk", value))

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

    @cached_property
    def selected_household(self) -> Household | None:
        """The household shown as chosen: the fixed one, or the one picked before a
        re-render (only if the user may see it)."""
        if self.fixed_household is not None:
            return self.fixed_household
        pk = self._bound_or_initial("household")
        if not pk.isdecimal():  # isdigit() would let "²" through to the query
            return None
        return with_members(households_visible_to(self.user).filter(pk=pk)).first()

    def member_rows(self) -> list[dict]:
        household = self.selected_household
        if household is None:
            return []
        checked = set(self._bound_or_initial_list("persons"))
        members = household_current_members(household)
        if not self.is_bound and not checked and len(members) == 1:
            checked = {str(members[0].pk)}
        return [{"person": p, "checked": str(p.pk) in checked} for p in members]

    def new_household_open(self) -> bool:
        """Whether the 新しい世帯 section starts unfolded (it holds input or errors)."""
        if self.fixed_household is not None:
            return False
        names = ["nh_name", "nh_address", "nh_phone", "nh_district"] + [
            f"p{n}_{name}" for n in range(1, self.PERSON_ROWS + 1) for name in PERSON_TEXT_FIELDS
        ]
        if self.is_bound:
            return any(n in self.errors for n in names) or any(
                str(self.data.get(self.add_prefix(n), "")).strip() for n in names
            )
        return any(self.initial.get(n) for n in names)

    def person_rows(self) -> list[list]:
        if self.fixed_household is not None:
            return []
        return [
            [self[f"p{n}_{name}"] for name in PERSON_FIELDS] for n in range(1, self.PERSON_ROWS + 1)
        ]


def initial_from_sheet(sheet: ConnectSheet, user=None) -> dict:
    """Pre-fill the new-household section from a つなぐシート taken up without a known
    household: name, せい/めい (intake.services.split_sheet_name), birth date, sex,
    address and phone."""
    names = split_sheet_name(sheet, user)
    initial = {
        "nh_address": sheet.address,
        "nh_phone": sheet.home_phone or sheet.mobile_phone,
        "p1_family_name": names["family_name"],
        "p1_given_name": names["given_name"],
        "p1_family_name_kana": names["family_name_kana"],
        "p1_given_name_kana": names["given_name_kana"],
        "p1_birth_date": sheet.birth_date,
    }
    if sheet.sex in Sex.values:
        initial["p1_sex"] = sheet.sex
    return initial


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


# ---------------------------------------------------------------- つなぐシート


PAPER_CONSENT = _("紙で同意をもらう場合は、白紙のシートを印刷して署名してもらうこともできます。")
# Where each refusal of households.access.require_basis_to_pass_on is shown.
BASIS_FIELDS = {
    "no_basis": "consent_given",
    "consent_date": "consent_date",
    "exemption_reason": "exemption_reason",
    "exemption_note": "exemption_note",
}


class SheetForm(forms.ModelForm):
    name_kana = forms.CharField(
        label=_("ふりがな"),
        max_length=100,
        help_text=_("せいとめいの間を空けてください（例: やまだ はなこ）"),
        error_messages={"required": _("ふりがなを入力してください。")},
    )
    birth_date = WarekiDateField(label=_("生年月日"), required=False, allow_future=False)
    age = forms.IntegerField(
        label=_("年齢"),
        required=False,
        min_value=0,
        max_value=130,
        help_text=_("生年月日を入力した場合は自動で計算します"),
        error_messages={
            "min_value": _("年齢は0以上で入力してください。"),
            "max_value": _("年齢は130以下で入力してください。"),
            "invalid": _("年齢は数字で入力してください。"),
        },
    )
    sex = forms.ChoiceField(
        label=_("性別"), choices=[("", "---------"), *Sex.choices], required=False
    )
    home_phone = PhoneField(label=_("電話（自宅）"), required=False)
    mobile_phone = PhoneField(label=_("電話（携帯）"), required=False)
    visitor_phone = PhoneField(label=_("来談者の電話"), required=False)
    topics = forms.MultipleChoiceField(
        label=_("相談内容（複数可）"),
        choices=SheetTopic.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("相談内容を1つ以上選んでください。")},
    )
    contact_method = forms.ChoiceField(
        label=_("連絡方法"),
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("連絡方法を選んでください。")},
    )
    consent_given = forms.BooleanField(
        label=_("本人が、このシートを必要な関係機関と共有することに同意している"),
        required=False,
    )
    consent_date = WarekiDateField(label=_("同意日"), required=False, allow_future=False)

    class Meta:
        model = ConnectSheet
        fields = [
            "name_kana",
            "name",
            "birth_date",
            "age",
            "sex",
            "address",
            "home_phone",
            "mobile_phone",
            "email",
            "visitor_name",
            "visitor_phone",
            "visitor_relationship",
            "topics",
            "topic_other",
            "details",
            "contact_method",
            "contact_hours",
            "consent_given",
            "consent_date",
            "exemption_reason",
            "exemption_note",
        ]
        widgets = {
            "details": forms.Textarea(attrs={"rows": 5}),
            "exemption_note": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {
            "name": {"required": _("氏名を入力してください。")},
            "details": {"required": _("具体的な内容を入力してください。")},
            "email": {"invalid": _("メールアドレスの形式が正しくありません。")},
        }

    # The sections of the paper sheet, for the template.
    SECTIONS = [
        (
            _("対象者"),
            [
                "name_kana",
                "name",
                "birth_date",
                "age",
                "sex",
                "address",
                "home_phone",
                "mobile_phone",
                "email",
            ],
        ),
        (
            _("来談者（本人以外が来られた場合）"),
            ["visitor_name", "visitor_phone", "visitor_relationship"],
        ),
        (_("相談内容"), ["topics", "topic_other", "details"]),
        (_("連絡"), ["contact_method", "contact_hours"]),
        (
            _("本人同意（または法令上の例外）"),
            ["consent_given", "consent_date", "exemption_reason", "exemption_note"],
        ),
    ]

    def sections(self):
        sections = [(title, [self[name] for name in names]) for title, names in self.SECTIONS]
        # accounts.reauth's password box (sending on an exemption with a stale password)
        # goes with the basis it confirms.
        extra = [self[name] for name in self.fields if name not in self._sectioned]
        if extra:
            title, fields = sections[-1]
            sections[-1] = (title, [*fields, *extra])
        return sections

    @cached_property
    def _sectioned(self) -> set[str]:
        return {name for _title, names in self.SECTIONS for name in names}

    def clean_name_kana(self):
        value = sheet_kana(self.cleaned_data["name_kana"])
        if not value:
            raise forms.ValidationError(_("ふりがなを入力してください。"))
        if not kana.is_kana(value.replace(" ", "")):
            raise forms.ValidationError(_("ふりがなは、ひらがなかカタカナで入力してください。"))
        return value

    def clean(self):
        data = super().clean()
        birth_date, age = data.get("birth_date"), data.get("age")
        if birth_date:
            computed = age_on(birth_date, timezone.localdate())
            if age is not None and age != computed:
                self.add_error(
                    "age",
                    _("生年月日から計算した年齢（%(age)s歳）と合いません。") % {"age": computed},
                )
            else:
                data["age"] = computed
        topics = list(data.get("topics") or [])
        other = (data.get("topic_other") or "").strip()
        if SheetTopic.OTHER in topics and not other:
            self.add_error("topic_other", _("「その他」の内容を入力してください。"))
        if other and SheetTopic.OTHER not in topics and "topics" not in self.errors:
            data["topics"] = [*topics, SheetTopic.OTHER]
        needs = {
            ContactMethod.HOME_PHONE: ("home_phone", _("自宅の電話番号を入力してください。")),
            ContactMethod.MOBILE: ("mobile_phone", _("携帯電話の番号を入力してください。")),
            ContactMethod.EMAIL: ("email", _("メールアドレスを入力してください。")),
        }
        method = data.get("contact_method")
        if method in needs:
            field, message = needs[method]
            if not data.get(field) and field not in self.errors:
                self.add_error(field, message)
        if "consent_date" not in self.errors:
            try:
                require_basis_to_pass_on(
                    consent_given=bool(data.get("consent_given")),
                    consent_on=data.get("consent_date"),
                    exemption_reason=data.get("exemption_reason", ""),
                    exemption_note=data.get("exemption_note", ""),
                )
            except NoBasisToPassOn as exc:
                message = exc.messages[0]
                if exc.code == "no_basis":
                    message += str(PAPER_CONSENT)
                self.add_error(BASIS_FIELDS[exc.code], message)
        return data


class SheetTakeUpForm(forms.Form):
    """Taking up a sheet whose person is not registered: the new household's 行政区 and
    the ふりがな split into せい/めい (pre-filled with intake.services.split_sheet_name's
    guess), so the consultation starts with its household."""

    register_household = forms.BooleanField(
        label=_("シートの対象者を新しい世帯として登録する"), required=False, initial=True
    )
    family_name_kana = KanaField(label=_("せい（ふりがな）"), required=False)
    given_name_kana = KanaField(label=_("めい（ふりがな）"), required=False)
    district = forms.ModelChoiceField(
        label=_("行政区"),
        queryset=District.objects.all(),
        required=False,
        help_text=_("地区ごとの件数（地域づくり・統計）に使います"),
        error_messages={"invalid_choice": _("選んだ行政区が見つかりません。")},
    )

    def __init__(self, *args, sheet, user, **kwargs):
        super().__init__(*args, **kwargs)
        names = split_sheet_name(sheet, user)
        self.initial.setdefault("family_name_kana", names["family_name_kana"])
        self.initial.setdefault("given_name_kana", names["given_name_kana"])

    def clean(self):
        data = super().clean()
        if not data.get("register_household"):
            return data
        if "family_name_kana" not in self.errors and not data.get("family_name_kana"):
            self.add_error("family_name_kana", _("せい（ふりがな）を入力してください。"))
        if (
            "district" not in self.errors
            and data.get("district") is None
            and District.objects.exists()
        ):
            self.add_error(
                "district", _("行政区を選んでください（地区ごとの件数に数えるために必要です）。")
            )
        return data


class SheetReturnForm(forms.Form):
    note = forms.CharField(
        label=_("差し戻しの理由・担当課への連絡"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("差し戻しの理由を入力してください。")},
    )
