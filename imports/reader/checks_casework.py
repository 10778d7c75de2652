"""The checks of the ケース, 支援経過, つなぎ and プラン ledgers (a part of
imports.reader.checker.Checker, which gives the helpers they call)."""

from django.utils.translation import gettext as _

from cases.choices import CaseStatus
from common.wareki import WarekiError
from imports import ledgers
from imports.reader.rows import Checked
from imports.reader.values import parse_course, parse_moment, parse_roles, split_list


class CaseworkChecks:
    """Checks of the ケース, 支援経過, つなぎ and プラン ledgers; mixed into Checker."""

    # cases

    def _check_cases(self, row: Checked, get) -> None:
        if self._keyed(row, get, "case", "ケースキー", "ケース名"):
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
        if self._keyed(row, get, "record", "記録キー", "内容"):
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
        if self._keyed(row, get, "referral", "繋ぎキー", "繋ぐ理由", "依頼したいこと"):
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
        if self._keyed(row, get, "plan", "プランキー", "目標"):
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
