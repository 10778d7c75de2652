"""The household part of the 相談受付 form: an existing household found by the inline
lookup, or a new household with up to two persons, and the persons concerned.

Mixed into intake.forms.consultation.ConsultationForm, which sets self.user and
self.fixed_household and adds these fields only when no household is fixed.
"""

from django import forms
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from common.forms import KanaField, PhoneField, WarekiDateField
from households.access import households_visible_to, sort_duplicates
from households.choices import Relationship, Sex
from households.models import District, Household, Person
from households.selectors import persons_visible_to, with_members
from households.services import possible_duplicates
from intake.models import ConnectSheet
from intake.selectors import household_current_members
from intake.services import split_sheet_name

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


class HouseholdSection:
    """Fields, validation and template helpers of the household section."""

    PERSON_ROWS = 2

    def _add_household_fields(self, user):
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
        self.fields["nh_address"] = forms.CharField(label=_("住所"), max_length=300, required=False)
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
