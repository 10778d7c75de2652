"""The five ledgers a desk brings in (and takes out): their sheets, columns and the
pick-lists of their coded columns.

One workbook may hold any of the sheets; they are read and written in LEDGERS order,
so a row may refer to a key defined by a row of an earlier sheet of the same file
(a consultation to its household, a case to its consultations, …). The export writes
the same sheets with the same headers, so an export is a valid import file.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from cases.choices import CloseReason, Project, RecordKind, RiskLevel
from households.choices import ConsentMethod, ExemptionReason, Relationship, Sex
from intake.choices import CameFrom, Channel, Outcome, Urgency

HOUSEHOLDS = "households"
CONSULTATIONS = "consultations"
CASES = "cases"
RECORDS = "records"
REFERRALS = "referrals"
PLANS = "plans"

YES_NO = ["はい", "いいえ"]
CONSENT_BASIS = "本人同意"


@dataclass(frozen=True)
class Column:
    header: str
    required: bool = False
    # the name of a pick-list (PICK_LISTS, or "categories"/"agencies"/"staff", filled
    # from the database when the template is made)
    pick: str = ""
    is_date: bool = False
    width: int = 14
    note: str = ""


@dataclass(frozen=True)
class Ledger:
    code: str
    sheet: str
    title: str
    key_header: str
    columns: list[Column] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def _labels(choices) -> list[str]:
    return [str(label) for _value, label in choices.choices]


# Pick-lists of coded columns (label shown and accepted; the code is looked up).
PICK_LISTS = {
    "relationship": Relationship,
    "sex": Sex,
    "consent_method": ConsentMethod,
    "channel": Channel,
    "came_from": CameFrom,
    "outcome": Outcome,
    "urgency": Urgency,
    "risk": RiskLevel,
    "close_reason": CloseReason,
    "record_kind": RecordKind,
    "project": Project,
}


def label_map(pick: str) -> dict[str, str]:
    """{label: code} of a coded pick-list (labels as shown in the template)."""
    return {str(label): value for value, label in PICK_LISTS[pick].choices}


def exemption_map() -> dict[str, str]:
    return {str(label): value for value, label in ExemptionReason.choices}


def basis_labels() -> list[str]:
    return [CONSENT_BASIS, *_labels(ExemptionReason)]


LEDGERS: list[Ledger] = [
    Ledger(
        HOUSEHOLDS,
        "世帯・世帯員",
        _("世帯・世帯員"),
        "世帯員キー",
        [
            Column("世帯キー", True, note="世帯ごとに一意の番号・記号"),
            Column("世帯の呼び名", True, width=18),
            Column("郵便番号"),
            Column("住所", width=28),
            Column("電話"),
            Column("行政区"),
            Column("住所秘匿", pick="yes_no", width=10),
            Column("世帯員キー", True, note="人ごとに一意の番号・記号"),
            Column("姓", True),
            Column("名"),
            Column("せい（ふりがな）", True),
            Column("めい（ふりがな）"),
            Column("生年月日", is_date=True),
            Column("性別", pick="sex", width=10),
            Column("続柄", True, pick="relationship", width=12),
            Column("加入日", is_date=True),
            Column("離脱日", is_date=True),
            Column("同意日", is_date=True),
            Column("同意の方法", pick="consent_method", width=10),
            Column("同意の共有先", width=30, note="機関名を「、」で区切る"),
            Column("同意の目的", width=24),
        ],
    ),
    Ledger(
        CONSULTATIONS,
        "相談受付",
        _("相談受付"),
        "相談キー",
        [
            Column("相談キー", True),
            Column("受付日", True, is_date=True),
            Column("相談方法", True, pick="channel"),
            Column("相談者", True, pick="came_from"),
            Column("相談者の氏名"),
            Column("相談元の機関", pick="agencies", width=24),
            Column("世帯キー"),
            Column("対象者キー", note="世帯員キーを「、」で区切る"),
            Column("相談内容", True, width=30, note="「、」で区切る（重複可）"),
            Column("主な相談内容", True, pick="categories", width=22),
            Column("主訴", True, width=40),
            Column("対応結果", True, pick="outcome"),
            Column("継続相談", pick="yes_no", width=10),
            Column("緊急度", pick="urgency", width=12),
        ],
    ),
    Ledger(
        CASES,
        "ケース",
        _("ケース"),
        "ケースキー",
        [
            Column("ケースキー", True),
            Column("世帯キー", True),
            Column("ケース名", True, width=24),
            Column("主担当", True, pick="staff", note="職員の表示名"),
            Column("開始日", True, is_date=True),
            Column("対象者キー"),
            Column("相談キー", note="結び付ける相談受付（「、」で区切る）"),
            Column("リスク", pick="risk", width=10),
            Column("多機関協働の開始日", is_date=True),
            Column("多機関協働の終了日", is_date=True),
            Column("終結日", is_date=True),
            Column("終結理由", pick="close_reason", width=20),
            Column("終結理由の詳細", width=24),
            Column(
                "状況の経過",
                width=40,
                note="再開などを含むとき: 「2024-03-01 終結（課題の解決・目標達成）；2024-03-10 支援中」",
            ),
        ],
    ),
    Ledger(
        PLANS,
        "支援プラン",
        _("支援プラン"),
        "プランキー",
        [
            Column("プランキー", True),
            Column("ケースキー", True),
            Column("本人の希望", width=30),
            Column("目標", True, width=30),
            Column("評価予定日", is_date=True),
            Column(
                "役割",
                width=40,
                note="1行に1つ「困りごと／機関名／支援方法」（機関は本人同意の共有先に含まれること）",
            ),
            Column("同意した人（世帯員キー）"),
            Column("同意日", is_date=True),
            Column("承認日", is_date=True),
            Column("実施開始日", is_date=True),
        ],
    ),
    Ledger(
        RECORDS,
        "支援経過",
        _("支援経過"),
        "記録キー",
        [
            Column("記録キー", True),
            Column("ケースキー", True),
            Column("日時", True, is_date=True),
            Column("種別", True, pick="record_kind"),
            Column("事業", pick="project", width=24),
            Column("機関", True, pick="agencies", width=24),
            Column("対応者", pick="staff"),
            Column("内容", True, width=40),
            Column("所要時間（分）", width=10),
            Column("繋ぎ先（手入力）", width=24, note="種別が繋ぎのとき、システムにない機関名"),
        ],
    ),
    Ledger(
        REFERRALS,
        "繋ぎ",
        _("繋ぎ"),
        "繋ぎキー",
        [
            Column("繋ぎキー", True),
            Column("ケースキー", True),
            Column("繋ぎ先", True, pick="agencies", width=24),
            Column("送付日", True, is_date=True),
            Column("対象者キー"),
            Column("根拠", True, pick="basis", width=24),
            Column("例外の理由", width=24),
            Column("繋ぐ理由", True, width=30),
            Column("依頼したいこと", True, width=30),
            Column("受理日", is_date=True),
            Column("辞退日", is_date=True),
            Column("辞退の理由", width=20),
            Column("対応開始日", is_date=True),
            Column("完了日", is_date=True),
            Column("取消日", is_date=True),
        ],
    ),
]

BY_CODE = {ledger.code: ledger for ledger in LEDGERS}
BY_SHEET = {ledger.sheet: ledger for ledger in LEDGERS}
ORDER = [ledger.code for ledger in LEDGERS]

ROLE_SPLIT = "／"

# Export-only sheet (read by nobody on import; named so a reader knows): README, imports.
EXPORT_ONLY_MEETINGS = "会議の決定（参考）"
