"""Checker: checks the rows of one upload against the master data and the keys
already imported. The helpers and the loop are here; each ledger's checks are in
checks_people (世帯, 相談) and checks_casework (ケース, 支援経過, つなぎ, プラン)."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Agency, Membership
from common.wareki import WarekiError, format_date
from households.models import District
from imports import ledgers
from imports.ledgers import YES_NO
from imports.models import RowState, SourceKey
from imports.reader.checks_casework import CaseworkChecks
from imports.reader.checks_people import PeopleChecks
from imports.reader.rows import Checked, SheetRows
from imports.reader.values import parse_day
from intake.models import ConsultationCategory


class Checker(PeopleChecks, CaseworkChecks):
    """Checks the rows of one upload for one agency and actor."""

    def __init__(self, *, actor, agency: Agency):
        self.actor = actor
        self.agency = agency
        self.today = timezone.localdate()
        self.categories = {c.name: c for c in ConsultationCategory.objects.all()}
        self.agencies = {a.name: a for a in Agency.objects.filter(is_active=True)}
        self.all_agency_names = set(Agency.objects.values_list("name", flat=True))
        self.districts = set(District.objects.values_list("name", flat=True))
        members = Membership.objects.filter(agency=agency, is_active=True).select_related("user")
        self.staff = {}
        for m in members:
            if m.user.is_active:
                self.staff[m.user.username] = m.user
                self.staff[str(m.user)] = m.user
        self.known: dict[str, set[str]] = {}
        for kind, key in SourceKey.objects.filter(agency=agency).values_list("kind", "key"):
            self.known.setdefault(kind, set()).add(key)
        # keys defined by rows of this file: kind -> {key: the row is free of errors}
        self.defined: dict[str, dict[str, bool]] = {}

    # -- helpers

    def _is_known(self, kind: str, key: str) -> bool:
        return key in self.known.get(kind, ())

    def _ref(self, row: Checked, kind: str, key: str, header: str) -> None:
        if self._is_known(kind, key):
            return
        defined = self.defined.get(kind, {})
        if key in defined:
            if not defined[key]:
                row.errors.append(
                    _("%(header)s「%(key)s」の行にエラーがあるため、この行も取り込めません。")
                    % {"header": header, "key": key}
                )
            return
        row.errors.append(
            _(
                "%(header)s「%(key)s」が見つかりません（先に取り込むか、同じファイルの台帳に入れてください）。"
            )
            % {"header": header, "key": key}
        )

    def _keyed(self, row: Checked, get, kind: str, key_header: str, *required: str) -> bool:
        """Read the row's key, check the key and the other required cells, and note the
        key the row defines. True when the key was imported before: the row is marked
        so and needs no further checks."""
        row.key = get(key_header)
        self._required(row, get, key_header, *required)
        row._defines = [(kind, row.key)] if row.key else []
        return bool(row.key) and self._mark_already(row, kind)

    def _define(self, kind: str, key: str, ok: bool) -> None:
        self.defined.setdefault(kind, {}).setdefault(key, ok)

    def _day(self, row, get, header, *, required=False, past=True) -> dt.date | None:
        text = get(header)
        if not text:
            if required:
                row.errors.append(_("%(header)s: 日付を入力してください。") % {"header": header})
            return None
        try:
            day = parse_day(text)
        except WarekiError as exc:
            row.errors.append(f"{header}: {exc.args[0]}")
            return None
        if past and day > self.today:
            row.errors.append(
                _("%(header)s: 未来の日付（%(date)s）は指定できません。")
                % {"header": header, "date": format_date(day)}
            )
        return day

    def _pick(self, row, get, header, pick: str, *, required=False) -> str:
        text = get(header)
        if not text:
            if required:
                row.errors.append(_("%(header)s: 選択肢から選んでください。") % {"header": header})
            return ""
        choices = YES_NO if pick == "yes_no" else ledgers.label_map(pick)
        if text not in choices:
            row.errors.append(
                _("%(header)s「%(value)s」は選択肢にありません。")
                % {"header": header, "value": text}
            )
            return ""
        return text

    def _agency(self, row, get, header, *, required=False) -> Agency | None:
        name = get(header)
        if not name:
            if required:
                row.errors.append(_("%(header)s: 機関名を入力してください。") % {"header": header})
            return None
        agency = self.agencies.get(name)
        if agency is None:
            row.errors.append(
                _("%(header)s「%(name)s」という機関は登録されていません。")
                % {"header": header, "name": name}
            )
        return agency

    def _staff(self, row, get, header, *, required=False):
        name = get(header)
        if not name:
            if required:
                row.errors.append(
                    _("%(header)s: 職員の名前を入力してください。") % {"header": header}
                )
            return None
        user = self.staff.get(name)
        if user is None:
            row.errors.append(
                _("%(header)s「%(name)s」は%(agency)sの職員にいません。")
                % {"header": header, "name": name, "agency": self.agency.name}
            )
        return user

    def _required(self, row, get, *headers) -> None:
        for header in headers:
            if not get(header):
                row.errors.append(_("%(header)s を入力してください。") % {"header": header})

    # -- the sheets

    def check(self, sheets: list[SheetRows]) -> list[Checked]:
        out = []
        for sheet in sheets:
            method = getattr(self, f"_check_{sheet.ledger.code}")
            headers = sheet.ledger.headers
            if sheet.ledger.code == ledgers.HOUSEHOLDS:
                self._prepare_candidates(sheet)
            seen: dict[str, int] = {}
            for line, values in sheet.rows:
                position = {h: i for i, h in enumerate(headers)}

                def get(header, values=values, position=position):
                    return values[position[header]]

                row = Checked(sheet.ledger.code, line, "", values)
                method(row, get)
                if row.key:
                    if row.key in seen:
                        row.errors.append(
                            _(
                                "%(header)s「%(key)s」は%(line)s行目にもあります（同じ行を2回取り込むことはできません）。"
                            )
                            % {
                                "header": sheet.ledger.key_header,
                                "key": row.key,
                                "line": seen[row.key],
                            }
                        )
                    else:
                        seen[row.key] = line
                if row.errors:
                    row.state = RowState.PENDING
                    row.candidate_person, row.candidate_key = None, ""
                self._after(row)
                out.append(row)
            if sheet.ledger.code == ledgers.HOUSEHOLDS:
                self.offer_households([r for r in out if r.ledger == ledgers.HOUSEHOLDS])
        return out

    def _after(self, row: Checked) -> None:
        """Record the keys the row defines (after its errors are known)."""
        for kind, key in getattr(row, "_defines", []):
            self._define(kind, key, not row.errors)

    def _mark_already(self, row: Checked, kind: str) -> bool:
        if self._is_known(kind, row.key):
            row.state = RowState.ALREADY
            return True
        return False
