"""Reading an uploaded workbook and checking every row, without writing anything.

read_workbook turns the file into rows of text per ledger (or raises ImportRefused
with a Japanese message: not an xlsx, a broken file, no ledger sheet, a missing
column). Checker then checks each row against the master data and the keys already
imported, and finds persons who may already be registered (same kana and birth
date), in a fixed number of queries however many rows there are.
"""

import datetime as dt
import re
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from accounts.models import Agency, Membership
from cases.choices import CaseStatus
from common import kana
from common.wareki import WarekiError, format_date, parse_date
from households.access import households_visible_to
from households.models import District, Person
from imports import ledgers
from imports.ledgers import BY_SHEET, LEDGERS, YES_NO
from imports.models import RowState, SourceKey
from intake.models import ConsultationCategory

MAX_ROWS = 50_000
LIST_SPLIT = re.compile(r"[、,，;；\n]+")
TIME_PART = re.compile(r"^(.*?)[ T　]+(\d{1,2}):(\d{2})(?::(\d{2}))?$")
DEFAULT_TIME = dt.time(9, 0)


class ImportRefused(ValidationError):
    """The file cannot be taken at all; the message is Japanese and says why."""


# ---------------------------------------------------------------- cells and values


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def split_list(text: str) -> list[str]:
    return [part.strip() for part in LIST_SPLIT.split(text or "") if part.strip()]


def split_names(text: str, names) -> list[str]:
    """A list of master names (相談内容, 機関) separated by 「、」, where a name may
    itself contain a separator (仕事探し、就職): known names are taken whole first."""
    text = text or ""
    found = []
    for name in sorted((n for n in names if LIST_SPLIT.search(n)), key=len, reverse=True):
        if name in text:
            found.append((text.index(name), name))
            text = text.replace(name, "\x00")
    parts = []
    whole = iter(n for _i, n in sorted(found))
    for part in LIST_SPLIT.split(text):
        part = part.strip()
        if not part:
            continue
        while "\x00" in part:
            before, _sep, part = part.partition("\x00")
            if before.strip():
                parts.append(before.strip())
            parts.append(next(whole))
            part = part.strip()
        if part:
            parts.append(part)
    return parts


def parse_day(text: str) -> dt.date:
    """A 西暦 or 和暦 date (a time after it is ignored)."""
    match = TIME_PART.match(text.strip())
    return parse_date(match[1] if match else text)


def parse_moment(text: str) -> dt.datetime:
    """A date with an optional time (09:00 when none is given), in Japan."""
    match = TIME_PART.match(text.strip())
    if match:
        day = parse_date(match[1])
        hour, minute = int(match[2]), int(match[3])
        if hour > 23 or minute > 59:
            raise WarekiError(_("時刻が正しくありません。"))
        moment = dt.datetime.combine(day, dt.time(hour, minute))
    else:
        moment = dt.datetime.combine(parse_date(text), DEFAULT_TIME)
    return timezone.make_aware(moment)


@dataclass
class SheetRows:
    ledger: ledgers.Ledger
    rows: list[tuple[int, list[str]]]  # (line in the sheet, cells as text)


def read_workbook(fileobj, name: str = "") -> list[SheetRows]:
    """The ledger sheets of the workbook, in LEDGERS order. Raises ImportRefused."""
    if name and not name.lower().endswith((".xlsx", ".xlsm")):
        raise ImportRefused(
            _("Excel のファイル（.xlsx）を選んでください。「%(name)s」は取り込めません。")
            % {"name": name},
            code="type",
        )
    try:
        book = load_workbook(fileobj, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError):
        raise ImportRefused(
            _(
                "ファイルを Excel（.xlsx）として読めませんでした。壊れていないか、"
                "Excel で開いて「Excel ブック（.xlsx）」として保存し直したものか確かめてください。"
            ),
            code="broken",
        ) from None
    try:
        found = [sheet for sheet in book.sheetnames if sheet in BY_SHEET]
        if not found:
            raise ImportRefused(
                _(
                    "取り込める台帳のシートがありません。シート名は %(names)s のいずれかにしてください。"
                )
                % {"names": "、".join(f"「{ledger.sheet}」" for ledger in LEDGERS)},
                code="sheet",
            )
        out = []
        total = 0
        for ledger in LEDGERS:
            if ledger.sheet not in found:
                continue
            sheet_rows = _read_sheet(book[ledger.sheet], ledger)
            total += len(sheet_rows.rows)
            if total > MAX_ROWS:
                raise ImportRefused(
                    _("一度に取り込めるのは %(max)s 行までです。ファイルを分けてください。")
                    % {"max": f"{MAX_ROWS:,}"},
                    code="size",
                )
            out.append(sheet_rows)
        if not total:
            raise ImportRefused(_("台帳のシートにデータの行がありません。"), code="empty")
        return out
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ImportRefused(
            _("ファイルの途中が読めませんでした（壊れている可能性があります）。"), code="broken"
        ) from exc
    finally:
        book.close()


def _read_sheet(sheet, ledger: ledgers.Ledger) -> SheetRows:
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    headers = [cell_text(v) for v in (header or [])]
    index = {h: i for i, h in enumerate(headers) if h}
    missing = [c.header for c in ledger.columns if c.required and c.header not in index]
    if missing:
        raise ImportRefused(
            _(
                "シート「%(sheet)s」の1行目に列 %(columns)s がありません。テンプレートの見出しのまま使ってください。"
            )
            % {"sheet": ledger.sheet, "columns": "、".join(f"「{m}」" for m in missing)},
            code="columns",
        )
    positions = [index.get(c.header) for c in ledger.columns]
    out = []
    for line, values in enumerate(rows, start=2):
        cells = [
            cell_text(values[p]) if p is not None and p < len(values) else "" for p in positions
        ]
        if any(cells):
            out.append((line, cells))
    return SheetRows(ledger, out)


# ---------------------------------------------------------------- checking


@dataclass
class Checked:
    ledger: str
    line: int
    key: str
    values: list[str]
    errors: list[str] = field(default_factory=list)
    state: str = RowState.PENDING
    candidate_person: Person | None = None
    candidate_key: str = ""
    candidate_label: str = ""


class Checker:
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
            elif (name_kana, birth) in self.file_persons:
                other = self.file_persons[(name_kana, birth)]
                row.candidate_key = other
                row.candidate_label = _("世帯員キー「%(key)s」の人（このファイルの前の行）") % {
                    "key": other
                }
            else:
                self.file_persons[(name_kana, birth)] = pkey

    # consultations

    def _check_consultations(self, row: Checked, get) -> None:
        row.key = get("相談キー")
        self._required(row, get, "相談キー")
        row._defines = [("consultation", row.key)] if row.key else []
        if row.key and self._mark_already(row, "consultation"):
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

    # cases

    def _check_cases(self, row: Checked, get) -> None:
        row.key = get("ケースキー")
        self._required(row, get, "ケースキー", "ケース名")
        row._defines = [("case", row.key)] if row.key else []
        if row.key and self._mark_already(row, "case"):
            return
        hkey = get("世帯キー")
        if hkey:
            self._ref(row, "household", hkey, "世帯キー")
        else:
            row.errors.append(_("世帯キー を入力してください。"))
        self._staff(row, get, "主担当", required=True)
        opened = self._day(row, get, "開始日", required=True)
        for pkey in split_list(get("対象者キー")):
            self._ref(row, "person", pkey, "対象者キー")
        for ckey in split_list(get("相談キー")):
            self._ref(row, "consultation", ckey, "相談キー")
        self._pick(row, get, "リスク", "risk")
        start = self._day(row, get, "多機関協働の開始日")
        end = self._day(row, get, "多機関協働の終了日")
        if start and end and end < start:
            row.errors.append(_("多機関協働の終了日は開始日より後にしてください。"))
        closed = self._day(row, get, "終結日")
        reason = self._pick(row, get, "終結理由", "close_reason")
        if get("状況の経過"):
            try:
                steps = parse_course(get("状況の経過"))
            except (WarekiError, ValueError) as exc:
                row.errors.append(_("状況の経過: %(error)s") % {"error": exc.args[0]})
                steps = []
            last = opened
            for day, status, text in steps:
                if day > self.today:
                    row.errors.append(_("状況の経過: 未来の日付は指定できません。"))
                if last and day < last:
                    row.errors.append(
                        _("状況の経過: 日付は開始日・前の経過の日より後にしてください。")
                    )
                last = day
                if (
                    status == CaseStatus.CLOSED
                    and text
                    and text not in ledgers.label_map("close_reason")
                ):
                    row.errors.append(
                        _("状況の経過: 終結理由「%(reason)s」は選択肢にありません。")
                        % {"reason": text}
                    )
                if status == CaseStatus.SUSPENDED and not text:
                    row.errors.append(_("状況の経過: 中断には（理由）を書いてください。"))
        elif closed:
            if not reason:
                row.errors.append(_("終結日があるときは終結理由を選んでください。"))
            if opened and closed < opened:
                row.errors.append(_("終結日は開始日より後にしてください。"))

    # records

    def _check_records(self, row: Checked, get) -> None:
        row.key = get("記録キー")
        self._required(row, get, "記録キー", "内容")
        row._defines = [("record", row.key)] if row.key else []
        if row.key and self._mark_already(row, "record"):
            return
        if get("ケースキー"):
            self._ref(row, "case", get("ケースキー"), "ケースキー")
        else:
            row.errors.append(_("ケースキー を入力してください。"))
        text = get("日時")
        if not text:
            row.errors.append(_("日時: 日付を入力してください。"))
        else:
            try:
                if parse_moment(text).date() > self.today:
                    row.errors.append(_("日時: 未来の日付は指定できません。"))
            except WarekiError as exc:
                row.errors.append(_("日時: %(error)s") % {"error": exc.args[0]})
        kind = self._pick(row, get, "種別", "record_kind", required=True)
        self._pick(row, get, "事業", "project")
        agency = self._agency(row, get, "機関", required=True)
        if agency is not None and agency.pk != self.agency.pk:
            row.errors.append(
                _(
                    "機関「%(name)s」の支援経過は取り込めません。取り込めるのは%(own)sの記録だけです。"
                )
                % {"name": agency.name, "own": self.agency.name}
            )
        self._staff(row, get, "対応者")
        minutes = get("所要時間（分）")
        if minutes and not minutes.isdigit():
            row.errors.append(_("所要時間（分）は数字で入力してください。"))
        if kind == "繋ぎ":
            to = get("繋ぎ先（手入力）")
            if not to:
                row.errors.append(
                    _(
                        "種別が繋ぎの記録には、繋ぎ先（手入力）にシステムにない機関名を入力してください"
                        "（登録されている機関への繋ぎは「繋ぎ」のシートに入れます）。"
                    )
                )
            elif to in self.all_agency_names:
                row.errors.append(
                    _(
                        "繋ぎ先「%(name)s」はシステムに登録されている機関です。「繋ぎ」のシートに入れてください。"
                    )
                    % {"name": to}
                )

    # referrals

    def _check_referrals(self, row: Checked, get) -> None:
        row.key = get("繋ぎキー")
        self._required(row, get, "繋ぎキー", "繋ぐ理由", "依頼したいこと")
        row._defines = [("referral", row.key)] if row.key else []
        if row.key and self._mark_already(row, "referral"):
            return
        if get("ケースキー"):
            self._ref(row, "case", get("ケースキー"), "ケースキー")
        else:
            row.errors.append(_("ケースキー を入力してください。"))
        to = self._agency(row, get, "繋ぎ先", required=True)
        if to is not None and to.pk == self.agency.pk:
            row.errors.append(_("繋ぎ先に自機関は指定できません。"))
        for pkey in split_list(get("対象者キー")):
            self._ref(row, "person", pkey, "対象者キー")
        basis = get("根拠")
        if basis not in ledgers.basis_labels():
            row.errors.append(_("根拠: 「本人同意」か法令上の例外の根拠を選んでください。"))
        elif basis != ledgers.CONSENT_BASIS and not get("例外の理由"):
            row.errors.append(_("法令上の例外で繋いだときは、例外の理由を入力してください。"))
        sent = self._day(row, get, "送付日", required=True)
        steps = [
            (h, self._day(row, get, h))
            for h in ("受理日", "辞退日", "対応開始日", "完了日", "取消日")
        ]
        dates = dict(steps)
        if dates["受理日"] and dates["辞退日"]:
            row.errors.append(_("受理日と辞退日の両方は入力できません。"))
        if (dates["対応開始日"] or dates["完了日"]) and not dates["受理日"]:
            row.errors.append(_("対応開始日・完了日があるときは受理日も入力してください。"))
        if dates["完了日"] and not dates["対応開始日"]:
            row.errors.append(_("完了日があるときは対応開始日も入力してください。"))
        if dates["取消日"] and (dates["辞退日"] or dates["完了日"]):
            row.errors.append(_("辞退・完了した繋ぎに取消日は入力できません。"))
        if dates["辞退日"] and not get("辞退の理由"):
            row.errors.append(_("辞退日があるときは辞退の理由を入力してください。"))
        last = sent
        for header in ("受理日", "辞退日", "対応開始日", "完了日", "取消日"):
            day = dates[header]
            if day and last and day < last:
                row.errors.append(
                    _("%(header)sは送付日・前の手続きの日より後にしてください。")
                    % {"header": header}
                )
            if day:
                last = day

    # plans

    def _check_plans(self, row: Checked, get) -> None:
        row.key = get("プランキー")
        self._required(row, get, "プランキー", "目標")
        row._defines = [("plan", row.key)] if row.key else []
        if row.key and self._mark_already(row, "plan"):
            return
        if get("ケースキー"):
            self._ref(row, "case", get("ケースキー"), "ケースキー")
        else:
            row.errors.append(_("ケースキー を入力してください。"))
        self._day(row, get, "評価予定日", past=False)
        try:
            for _concern, name, _method in parse_roles(get("役割")):
                if name not in self.agencies:
                    row.errors.append(
                        _("役割: 「%(name)s」という機関は登録されていません。") % {"name": name}
                    )
        except ValueError as exc:
            row.errors.append(_("役割: %(error)s") % {"error": exc.args[0]})
        consented = self._day(row, get, "同意日")
        approved = self._day(row, get, "承認日")
        activated = self._day(row, get, "実施開始日")
        if consented or get("同意した人（世帯員キー）"):
            if not (consented and get("同意した人（世帯員キー）")):
                row.errors.append(
                    _("プランの本人同意には、同意した人と同意日の両方を入力してください。")
                )
            else:
                self._ref(
                    row, "person", get("同意した人（世帯員キー）"), "同意した人（世帯員キー）"
                )
        if approved and not consented:
            row.errors.append(_("本人同意のないプランは承認できません。同意日を入力してください。"))
        if activated and not approved:
            row.errors.append(_("実施開始日があるときは承認日も入力してください。"))
        if consented and approved and approved < consented:
            row.errors.append(_("承認日は同意日より後にしてください。"))
        if approved and activated and activated < approved:
            row.errors.append(_("実施開始日は承認日より後にしてください。"))


def parse_roles(text: str) -> list[tuple[str, str, str]]:
    """「困りごと／機関名／支援方法」 one a line → (concern, agency name, method). Raises
    ValueError with a Japanese message."""
    roles = []
    for line in [part.strip() for part in re.split(r"[\n；;]+", text or "") if part.strip()]:
        parts = [p.strip() for p in line.split(ledgers.ROLE_SPLIT)]
        if len(parts) != 3 or not all(parts):
            raise ValueError(
                _("「%(line)s」を読めません。「困りごと／機関名／支援方法」の形にしてください。")
                % {"line": line}
            )
        roles.append((parts[0], parts[1], parts[2]))
    return roles


def parse_course(text: str) -> list[tuple[dt.date, str, str]]:
    """「2024-03-01 終結（課題の解決・目標達成）；2024-03-10 支援中」 → (day, status,
    text in brackets). Raises WarekiError / ValueError with a Japanese message."""
    labels = {str(label): value for value, label in CaseStatus.choices}
    steps = []
    for part in [p.strip() for p in re.split(r"[；;\n]+", text or "") if p.strip()]:
        match = re.match(r"^(\S+)\s+([^（(]+)(?:[（(](.*)[）)])?$", part)
        if not match:
            raise ValueError(
                _("「%(part)s」を読めません。「日付 状況（理由）」の形にしてください。")
                % {"part": part}
            )
        day = parse_day(match[1])
        label = match[2].strip()
        if label not in labels:
            raise ValueError(_("状況「%(label)s」はありません。") % {"label": label})
        steps.append((day, labels[label], (match[3] or "").strip()))
    return steps
