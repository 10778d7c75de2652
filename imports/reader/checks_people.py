"""The checks of the 世帯 and 相談 ledgers (a part of imports.reader.checker.Checker,
which gives the helpers they call: _required, _ref, _day, _pick, ...)."""

import datetime as dt

from django.utils.translation import gettext as _

from common import kana
from common.wareki import WarekiError, format_date
from households.access import households_visible_to, with_access_flags
from households.models import Household, HouseholdMembership, Person
from imports.reader.rows import Checked, SheetRows
from imports.reader.values import parse_moment, split_list, split_names


class PeopleChecks:
    """Checks of the 世帯 and 相談 ledgers; mixed into Checker."""

    # households

    def _prepare_candidates(self, sheet: SheetRows) -> None:
        """Persons the actor may see with the same kana and birth date as a row."""
        position = {h: i for i, h in enumerate(sheet.ledger.headers)}
        wanted = set()
        for _line, values in sheet.rows:
            name_kana = kana.normalise_kana(
                values[position["せい（ふりがな）"]]
            ) + kana.normalise_kana(values[position["めい（ふりがな）"]])
            if name_kana:
                wanted.add(name_kana)
        self.candidates: dict[tuple[str, dt.date], Person] = {}
        names = sorted(wanted)
        visible = households_visible_to(self.actor)
        for start in range(0, len(names), 500):
            chunk = names[start : start + 500]
            persons = (
                Person.objects.filter(
                    name_kana__in=chunk,
                    birth_date__isnull=False,
                    household_memberships__household__in=visible,
                )
                .distinct()
                .order_by("pk")
            )
            for person in persons:
                self.candidates.setdefault((person.name_kana, person.birth_date), person)
        # Candidates living in a household: "the same person" does not move them
        # (imports.writer.households), and the preview says so.
        self.living = set(
            HouseholdMembership.objects.filter(
                person__in=[p.pk for p in self.candidates.values()], until__isnull=True
            ).values_list("person_id", flat=True)
        )
        self.file_living: set[str] = set()  # keys of this file's persons with a current row
        self.file_persons: dict[tuple[str, dt.date], str] = {}

    def _check_households(self, row: Checked, get) -> None:
        hkey, pkey = get("世帯キー"), get("世帯員キー")
        self._required(row, get, "世帯キー", "世帯員キー")
        row.key = f"{hkey}/{pkey}" if hkey and pkey else ""
        defines = []
        if row.key and self._mark_already(row, "membership"):
            return
        household_new = (
            hkey
            and not self._is_known("household", hkey)
            and hkey not in self.defined.get("household", {})
        )
        if household_new and not get("世帯の呼び名"):
            row.errors.append(_("世帯の呼び名 を入力してください（その世帯の最初の行）。"))
        self._pick(row, get, "住所秘匿", "yes_no")
        if get("行政区") and get("行政区") not in self.districts:
            row.errors.append(
                _("行政区「%(name)s」は登録されていません。") % {"name": get("行政区")}
            )
        person_new = (
            pkey
            and not self._is_known("person", pkey)
            and pkey not in self.defined.get("person", {})
        )
        birth = self._day(row, get, "生年月日")
        if person_new:
            self._required(row, get, "姓")
            if not get("せい（ふりがな）"):
                row.errors.append(
                    _("ふりがな（せい）がありません。せい（ふりがな）を入力してください。")
                )
            for header in ("せい（ふりがな）", "めい（ふりがな）"):
                if get(header) and not kana.is_kana(get(header)):
                    row.errors.append(
                        _("%(header)s「%(value)s」はひらがな・カタカナで入力してください。")
                        % {"header": header, "value": get(header)}
                    )
        elif pkey and pkey in self.defined.get("person", {}) and not self.defined["person"][pkey]:
            row.errors.append(
                _("世帯員キー「%(key)s」の最初の行にエラーがあります。") % {"key": pkey}
            )
        self._pick(row, get, "性別", "sex")
        self._pick(row, get, "続柄", "relationship", required=True)
        since = self._day(row, get, "加入日")
        until = self._day(row, get, "離脱日")
        if since and until and until < since:
            row.errors.append(_("離脱日は加入日より後にしてください。"))
        if self._day(row, get, "同意日"):
            self._pick(row, get, "同意の方法", "consent_method", required=True)
            names = split_names(get("同意の共有先"), self.agencies)
            if not names:
                row.errors.append(
                    _("同意の共有先: 同意日があるときは共有先の機関名を入力してください。")
                )
            for name in names:
                if name not in self.agencies:
                    row.errors.append(
                        _("同意の共有先「%(name)s」という機関は登録されていません。")
                        % {"name": name}
                    )
        if hkey:
            defines.append(("household", hkey))
        if pkey:
            defines.append(("person", pkey))
        row._defines = defines
        if person_new and birth and not row.errors:
            name_kana = kana.normalise_kana(get("せい（ふりがな）")) + kana.normalise_kana(
                get("めい（ふりがな）")
            )
            match = self.candidates.get((name_kana, birth))
            if match is not None:
                row.candidate_person = match
                row.candidate_label = _("%(name)s（%(birth)s生）: すでに登録されている人") % {
                    "name": match.full_name,
                    "birth": format_date(match.birth_date),
                }
                stays = match.pk in self.living
            elif (name_kana, birth) in self.file_persons:
                other = self.file_persons[(name_kana, birth)]
                row.candidate_key = other
                row.candidate_label = _("世帯員キー「%(key)s」の人（このファイルの前の行）") % {
                    "key": other
                }
                stays = other in self.file_living
            else:
                self.file_persons[(name_kana, birth)] = pkey
                stays = False
            row._stays = stays and not get("離脱日")  # noted by offer_households
        if pkey and not row.errors and not get("離脱日"):
            self.file_living.add(pkey)
        row._hkey = hkey
        row._brings_household = bool(household_new)

    def offer_households(self, rows: list[Checked]) -> None:
        """After the 世帯 sheet: a ledger household whose matched persons (rows offered
        a registered person) all live in one household registered here, which the actor
        may change, is offered as that household on the row that brings it in; no
        household is offered twice. A matched person of a household not offered stays
        where they live, and their row says so."""
        by_hkey: dict[str, list[Checked]] = {}
        for row in rows:
            if getattr(row, "_hkey", ""):
                by_hkey.setdefault(row._hkey, []).append(row)
        matched = {
            row.candidate_person.pk
            for row in rows
            if row.candidate_person is not None and getattr(row, "_stays", False)
        }
        living: dict[int, int] = dict(
            HouseholdMembership.objects.filter(
                person__in=matched,
                until__isnull=True,
                household__in=with_access_flags(
                    households_visible_to(self.actor), self.actor
                ).filter(can_change=True),
            ).values_list("person_id", "household_id")
        )
        offered: dict[int, Checked] = {}
        for group in by_hkey.values():
            bringing = next((r for r in group if r._brings_household and not r.errors), None)
            persons = [
                r.candidate_person.pk
                for r in group
                if r.candidate_person is not None and getattr(r, "_stays", False)
            ]
            homes = {living.get(pk) for pk in persons}
            if bringing is None or not persons or len(homes) != 1 or None in homes:
                continue
            (home,) = homes
            if home in offered:  # two ledger households point at one: offer neither
                offered[home].candidate_household = None
                continue
            offered[home] = bringing
            bringing.candidate_household = home
        households = Household.objects.in_bulk(list(offered))
        for row in offered.values():
            if row.candidate_household is not None:
                row.candidate_household = households[row.candidate_household]
        for group in by_hkey.values():
            if any(r.candidate_household is not None for r in group):
                continue
            for row in group:
                if getattr(row, "_stays", False):
                    row.candidate_label += _(
                        "。同一人物とすると、いまの世帯に登録されたままで、この台帳の世帯には"
                        "加えません（世帯を移すときは世帯のページで）"
                    )

    # consultations

    def _check_consultations(self, row: Checked, get) -> None:
        if self._keyed(row, get, "consultation", "相談キー"):
            return
        moment = get("受付日")
        if not moment:
            row.errors.append(_("受付日: 日付を入力してください。"))
        else:
            try:
                if parse_moment(moment).date() > self.today:
                    row.errors.append(_("受付日: 未来の日付は指定できません。"))
            except WarekiError as exc:
                row.errors.append(_("受付日: %(error)s") % {"error": exc.args[0]})
        self._pick(row, get, "相談方法", "channel", required=True)
        self._pick(row, get, "相談者", "came_from", required=True)
        self._agency(row, get, "相談元の機関")
        hkey = get("世帯キー")
        if hkey:
            self._ref(row, "household", hkey, "世帯キー")
        persons = split_list(get("対象者キー"))
        if persons and not hkey:
            row.errors.append(_("対象者キーを入れるときは世帯キーも入力してください。"))
        for pkey in persons:
            self._ref(row, "person", pkey, "対象者キー")
        names = split_names(get("相談内容"), self.categories)
        primary = get("主な相談内容")
        if not names and not primary:
            row.errors.append(_("相談内容: 1つ以上入力してください。"))
        for name in [*names, primary] if primary else names:
            if name not in self.categories:
                row.errors.append(
                    _(
                        "相談内容「%(name)s」という区分はありません（選択肢の区分名で入力してください）。"
                    )
                    % {"name": name}
                )
        if not primary:
            row.errors.append(_("主な相談内容: 選択肢から選んでください。"))
        self._required(row, get, "主訴")
        self._pick(row, get, "対応結果", "outcome", required=True)
        self._pick(row, get, "継続相談", "yes_no")
        self._pick(row, get, "緊急度", "urgency")
