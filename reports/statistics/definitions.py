"""The desk's table rows and the footnotes' definitions (DEFINITIONS) of the statistics."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meetings.choices import MeetingKind
from referrals.choices import ReferralStatus

# The rows of the desk's 相談内容 table (大津町), in its order. Data values of
# ConsultationCategory.statistics_group, not translatable text.
STATISTICS_GROUPS = [
    "収入・生活費・借金",
    "介護・障がい・病気",
    "生活保護相談",
    "住まい",
    "仕事探し",
    "医療・介護費用",
    "家族関係",
    "離婚・ひとり親",
    "DV・虐待",
    "引きこもり・不登校・いじめ",
    "子育て",
    "地域との関係",
    "その他",
]
OTHER_GROUP = "その他"

MEETING_KINDS = [MeetingKind.SUPPORT_MEETING, MeetingKind.MULTILAYER_MEETING]

# 世帯人員 rows: (bucket, label); bucket 5 is 5 or more, 0 a household nobody belonged
# to on the day counted.
HOUSEHOLD_SIZES = [
    (1, gettext_lazy("1人")),
    (2, gettext_lazy("2人")),
    (3, gettext_lazy("3人")),
    (4, gettext_lazy("4人")),
    (5, gettext_lazy("5人以上")),
    (0, gettext_lazy("不明（その日の世帯員なし）")),
]

# 繋ぎ・プランの経過: the referral steps counted, in order.
REFERRAL_STEPS = [
    (ReferralStatus.SENT, gettext_lazy("繋ぎ 送付")),
    (ReferralStatus.ACCEPTED, gettext_lazy("繋ぎ 受理")),
    (ReferralStatus.DECLINED, gettext_lazy("繋ぎ 辞退")),
    (ReferralStatus.IN_PROGRESS, gettext_lazy("繋ぎ 対応開始")),
    (ReferralStatus.COMPLETED, gettext_lazy("繋ぎ 完了")),
    (ReferralStatus.CANCELLED, gettext_lazy("繋ぎ 取消")),
]

# The footnotes: (key, term, definition). Table.notes refers to these keys.
DEFINITIONS = [
    (
        "periods",
        gettext_lazy("集計期間"),
        gettext_lazy(
            "各列の初日から末日まで（日本時間）。月・四半期・年度・指定した期間の列の横に、"
            "前年の同じ期間の列を置く（窓口の開設前にあたる場合は置かない）。年度累計は4月1日"
            "から、開設以来は窓口の開設日から、それぞれ対象期間の末日まで。開設日より前の日は"
            "どの列にも含めない。作成日がまだ期間中のときは作成日までの件数。過去の期間の件数は"
            "日付の付いた記録（状況の変更日、世帯員の加入日・転出日、繋ぎの各手続きの日、"
            "プランの実施開始日）だけから数えるため、後から作成し直しても変わらない。"
        ),
    ),
    (
        "cases",
        gettext_lazy("相談件数・終結件数・継続件数"),
        gettext_lazy(
            "相談件数は期間内に開始したケースの数（開始日による）。終結件数は期間内に終結または"
            "中断し、期間の末日にもそのままだったケースの数（開始した時期を問わない。期間内に"
            "再開したものは継続に、期間後に再開したものはこの期間の終結に数える）。継続件数は"
            "期間の末日に支援を続けていたケースの数（開始した時期を問わない）。開設以来の列では"
            "相談件数＝終結件数＋継続件数となる。窓口の開設日より前に開始したケースは数えない。"
        ),
    ),
    (
        "consultations",
        gettext_lazy("相談受付 延べ件数・実人数"),
        gettext_lazy(
            "延べ件数は期間内に受け付けた相談の数（継続相談を含む）。実人数はそれらの相談が"
            "対象とした人（相談受付の「相談の対象者」）を重複なく数えた人数。世帯を登録した"
            "だけの世帯員は含まない。"
        ),
    ),
    (
        "categories",
        gettext_lazy("相談内容（重複有）"),
        gettext_lazy(
            "期間内の相談と、表の行（相談内容の「統計区分」）の組の数。1件の相談は、選んだ"
            "相談内容が属する行ごとに1と数える（同じ行に属する内容を複数選んでも1）。1件の相談が"
            "複数の行にまたがるため、合計は延べ件数を上回ることがある。"
        ),
    ),
    (
        "came_from",
        gettext_lazy("相談経路"),
        gettext_lazy(
            "期間内の相談（延べ）を、相談してきた人（本人・家族・関係機関など）で分けた数。"
        ),
    ),
    (
        "referrals",
        gettext_lazy("繋ぎ先"),
        gettext_lazy(
            "期間内に送付した繋ぎを、繋ぎ先機関の種別ごとに数えたもの。受理はそのうち期間の末日"
            "までに繋ぎ先が受理したもの（受理した日による。その後の辞退・取消にかかわらず）。"
        ),
    ),
    (
        "support",
        gettext_lazy("支援内容（延べ）・事業別"),
        gettext_lazy(
            "期間内の支援経過記録を種別ごとに数えたもの。事業別は同じ記録を事業①〜⑤ごとに"
            "数えたもの。繋ぎは1回の繋ぎを1と数える：システムで送付した繋ぎは自動で記録される"
            "支援経過1件、手入力の繋ぎはシステムに登録されていない繋ぎ先を記入したもの（同じ日に"
            "同じケースを同じ機関がシステムで繋いだ手入力の記録は、同じ繋ぎとして数えない）。"
        ),
    ),
    (
        "progress",
        gettext_lazy("繋ぎ・プランの経過（延べ）"),
        gettext_lazy(
            "期間内に行われた繋ぎの手続き（送付・受理・辞退・対応開始・完了・取消）の数と、"
            "期間内に実施を始めた支援プラン（改訂版を含む）の数。日付は、後から記録した場合も"
            "各手続きが実際に行われた日による。"
        ),
    ),
    (
        "meetings",
        gettext_lazy("会議"),
        gettext_lazy(
            "期間内に開催した（中止を除く）支援会議・重層的支援会議の回数と、議題としたケースの"
            "実件数（重複を除く）・延べ件数。"
        ),
    ),
    (
        "households",
        gettext_lazy("世帯人員"),
        gettext_lazy(
            "期間中に一日でも支援していたケースの世帯を重複なく数え、期間内でその世帯を最後に"
            "支援していた日（期間の末日、または期間内に終結した日）の世帯員数で分けたもの。"
            "世帯員数は加入日・転出日による（加入日から、加入日の記録がない人は生まれた日から、"
            "転出日まで世帯員とする）。"
        ),
    ),
    (
        "outreach",
        gettext_lazy("アウトリーチ"),
        gettext_lazy(
            "把握は期間内に把握した対象者、接触は期間内の接触の試み（延べ）、支援につながったは"
            "期間内にケースにつながった対象者、世帯訪問調査は期間内の訪問（延べ）。"
        ),
    ),
    (
        "participation",
        gettext_lazy("参加支援"),
        gettext_lazy(
            "調整開始・体験開始・定着・終了は、それぞれの日付が期間内にある参加（人×参加先）の件数。"
            "定着支援は期間内のフォローアップ（延べ）、受入先開拓は期間内の訪問・聞き取り（延べ）。"
        ),
    ),
    (
        "community",
        gettext_lazy("地域づくり"),
        gettext_lazy(
            "活動中の地域資源は期間内に活動していた資源の数。活動・参加者・ボランティアは期間内の活動記録の合計"
            "（参加者は年代別の人数の合計、延べ）。多世代は3つ以上の年代が参加した活動。地域課題は期間内に"
            "提起された件数と解決した件数（人や事例の名前は含まない）。"
        ),
    ),
    (
        "scope",
        gettext_lazy("集計の範囲"),
        gettext_lazy(
            "全機関は、システムに登録されているすべての機関の記録を数える。機関を指定した場合は、"
            "その機関が主担当のケース、受け付けた相談、書いた支援経過、送付した繋ぎ、主催した会議に"
            "限る（アウトリーチ・参加支援・地域づくりは全機関のみ）。個人を特定できる情報は含まない。"
        ),
    ),
]


def scope_label(agency) -> str:
    """What a scope includes: 全機関, or the agency's name."""
    return agency.name if agency is not None else _("全機関")
