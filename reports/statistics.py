"""The statistics: every figure by aggregate SQL, for any periods and scope.

Each query function takes a list of Periods (reports.periods) and an optional agency
(the scope) and returns, per table row, one integer per period. A period is a closed
range of local (Asia/Tokyo) dates; datetimes are compared with the period's bounds
turned into aware datetimes, so indexes on the timestamp columns are used. Several
periods are counted in ONE query with conditional aggregation (COUNT ... FILTER (WHERE
...)); nothing loops over records in Python (the only Python sums add up a handful of
grouped rows). period_statistics runs all of them in one read-only snapshot
(reporting_snapshot).

A past period's figures come from dated history only, so asking for it again later
gives the same numbers: case states from CaseStatusChange rows (their day, `on`),
household composition from HouseholdMembership dates, referral steps from their own
days (accepted_at, ReferralEvent.at), plans from activated_on. Nothing reads a case's
current status or a household's current members for a past day.

Scope: agency=None counts 全機関, every agency's records in the system; an agency
restricts each figure to that agency's own work: cases it leads, consultations it
received, support records it wrote, referrals it sent, meetings it organised,
households of cases it leads.

Definitions (also printed as the PDF's footnotes and the Excel 定義 sheet: DEFINITIONS):

- A case is open on a day from its 開始日 (opened_on) on, until the day of an ending
  (終結/中断: a CaseStatusChange to an ended status) inclusive; a reopening (a change
  from an ended status) opens it again from its day. Its state at the end of day d is
  the latest of these crossings dated on or before d (cases without status rows, made
  outside the services, fall back to status and closed_on). Cases opened before the
  desk opened are outside every case figure (the desk's statistics begin with it).
- 相談件数: cases opened in the period (opened_on).
- 終結件数: cases whose ending falls in the period and that are still ended at its
  last day, whenever they were opened. A case closed and reopened within the period is
  継続, not 終結; a case closed in the period and reopened later still counts as closed
  for it.
- 継続件数: cases open at the period's last day, whenever they were opened.
  Since the opening (開設以来), 相談件数 = 終結件数 + 継続件数 (the 大津町 identity).
- 相談受付 延べ件数: consultations received in the period (received_at), 継続相談
  included; うち継続相談: those marked so. 実人数: distinct persons the consultations
  were about (Consultation.persons: at intake only the members ticked as concerned,
  not everyone registered with the household).
- 相談内容 (重複有): pairs (consultation, statistics row): a consultation counts once in
  each row (ConsultationCategory.statistics_group) one of its categories belongs to,
  however many of its categories fall in that row. Every row of the desk's table,
  zeros included; the total exceeds 延べ件数 when consultations span several rows.
- 相談経路: the period's consultations by who came (Consultation.came_from).
- 繋ぎ先: referrals sent in the period (sent_at) by the receiving agency's kind (every
  AgencyKind, zeros included); 受理: those of them accepted on or before the period's
  last day (accepted_at, the day the step was taken), whatever happened later.
- 支援内容 (延べ): support records of the period (occurred_at) by kind, and the same
  records by 事業 ①〜⑤. A 繋ぎ is one act: the record a referral writes counts once; a
  繋ぎ typed by hand counts when it names an agency outside the system (or, for records
  made before that was asked, when no referral of the same case was sent by the same
  agency that day: otherwise it is the same act typed twice).
- 繋ぎ・プランの経過 (延べ): the steps of referrals (sent by the scope) taken in the
  period, by step (ReferralEvent, dated with the day the step was taken), and the
  support plans that came into force in the period (SupportPlan.activated_on).
- 会議: 支援会議 and 重層的支援会議 held in the period (started, not cancelled), and
  the cases discussed: 実件数 = distinct cases on their agendas, 延べ = agenda items.
- 世帯人員: the households of the cases open on at least one day of the period, each
  counted once, by its number of members on the last day in the period one of its
  cases was open (the period's last day, or the day it ended). A member belongs from
  their 加入日 (since; a person's first household has none unless typed: from birth)
  to their 転出日 (until).
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import AgencyKind
from cases.choices import ENDED_STATUSES, Project, RecordKind
from cases.models import Case, CaseStatusChange, SupportPlan, SupportRecord
from common.wareki import fiscal_year_label
from households.models import Household, HouseholdMembership, Person
from intake.choices import CameFrom
from intake.models import Consultation, ConsultationCategoryLink
from meetings.choices import MeetingKind, MeetingStatus
from meetings.models import AgendaItem, Meeting
from referrals.choices import ReferralStatus
from referrals.models import Referral, ReferralEvent
from reports.choices import PeriodKind
from reports.periods import (  # noqa: F401  (re-exported: older callers import them here)
    Period,
    ReportPeriod,
    add_months,
    desk_opened_on,
    month_end,
    month_periods,
)

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


# ---------------------------------------------------------------- helpers


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _next(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=1)


def _span(periods) -> tuple[dt.date, dt.date]:
    return min(p.start for p in periods), max(p.end for p in periods)


def _on(field: str, period: Period) -> Q:
    """A date column within the period."""
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


def _at(field: str, period: Period) -> Q:
    """A timestamp column within the period's local days (index-friendly bounds)."""
    return Q(**{f"{field}__gte": _aware(period.start), f"{field}__lt": _aware(_next(period.end))})


def _at_span(field: str, periods) -> Q:
    lo, hi = _span(periods)
    return _at(field, Period("", "", lo, hi))


def _zeros(periods) -> list[int]:
    return [0] * len(periods)


def _grouped(rows, key: str, prefix: str, periods) -> dict:
    """{group value: [count per period]} from a values(key).annotate(prefix0=…) query."""
    return {r[key]: [r[f"{prefix}{i}"] or 0 for i in range(len(periods))] for r in rows}


# ---------------------------------------------------------------- the figures


def _period_ends(periods) -> list[dt.date]:
    return sorted({p.end for p in periods})


def counted_cases(periods, agency=None):
    """The cases the case figures count: opened on or after the desk's opening, on or
    before the last period end; the scope's."""
    lo, hi = _span(periods)
    qs = Case.objects.filter(opened_on__gte=desk_opened_on(), opened_on__lte=hi)
    if agency is not None:
        qs = qs.filter(lead_agency=agency)
    return qs


def _date_param(day: dt.date):
    return connection.ops.adapt_datefield_value(day)


def _case_states_cte(periods, agency) -> tuple[str, list]:
    """The WITH clauses (text, parameters) of the case figures.

    k0: the counted cases (counted_cases, the ORM's SQL). e: the distinct period ends,
    numbered j. x: every crossing (an ending, to 終結/中断, or a reopening, from them)
    of those cases on or before each end, numbered from the latest. l: per case, for
    each end j, the latest crossing's status to{j} and day on{j}. c: per case its
    household, opened_on and for each end j `ended{j}`: the day it ended when it was
    ended at the end of that day, else NULL (open then). A case's state at a day comes
    from these only, never from its current status, except for cases that have no
    status rows at all (they fall back to status and closed_on).

    One pass over the crossings (a window function) instead of two subqueries per case
    and per end: on the bench city the dashboard's twelve month ends went from 0.99 s
    to 0.14 s. Standard SQL (WITH, VALUES, ROW_NUMBER), run on PostgreSQL and SQLite
    alike."""
    ends = _period_ends(periods)
    cases = counted_cases(periods, agency).values(
        "id", "household_id", "opened_on", "status", "closed_on"
    )
    case_sql, params = cases.order_by().query.sql_with_params()
    params = list(params)
    day = "CAST(%s AS DATE)" if connection.vendor == "postgresql" else "%s"
    values = ", ".join(f"({j}, {day})" for j in range(len(ends)))
    params += [_date_param(end) for end in ends]
    ended = ", ".join(f"'{status}'" for status in ENDED_STATUSES)
    pivot = ", ".join(
        f"MAX(CASE WHEN x.j = {j} THEN x.to_status END) AS to{j}, "
        f'MAX(CASE WHEN x.j = {j} THEN x."on" END) AS on{j}'
        for j in range(len(ends))
    )
    columns = []
    for j, end in enumerate(ends):
        columns.append(
            f"CASE WHEN l.to{j} IN ({ended}) THEN l.on{j} "
            f"WHEN l.to{j} IS NULL AND k0.status IN ({ended}) AND k0.closed_on <= %s "
            f"THEN k0.closed_on END AS ended{j}"
        )
        params.append(_date_param(end))
    # PostgreSQL would otherwise inline k0 and read the cases once per reference.
    materialized = "MATERIALIZED " if connection.vendor == "postgresql" else ""
    sql = (
        f"k0 AS {materialized}({case_sql}), "
        f"e(j, d) AS (VALUES {values}), "
        'x AS (SELECT s.case_id, e.j, s.to_status, s."on", ROW_NUMBER() OVER ('
        'PARTITION BY s.case_id, e.j ORDER BY s."on" DESC, s.id DESC) AS rn '
        f'FROM {CaseStatusChange._meta.db_table} s JOIN e ON s."on" <= e.d '
        f"WHERE (s.to_status IN ({ended}) OR s.from_status IN ({ended})) "
        "AND s.case_id IN (SELECT id FROM k0)), "
        f"l AS (SELECT x.case_id, {pivot} FROM x WHERE x.rn = 1 GROUP BY x.case_id), "
        f"c AS (SELECT k0.id, k0.household_id, k0.opened_on, {', '.join(columns)} "
        "FROM k0 LEFT JOIN l ON l.case_id = k0.id)"
    )
    return sql, params


def _supported(j: int) -> str:
    """Open on at least one day of a period ending on ends[j] (placeholders: its end,
    its start): opened by its end, and not ended before its start."""
    return f"(c.opened_on <= %s AND (c.ended{j} IS NULL OR c.ended{j} >= %s))"


CASE_FIGURES = ("opened", "closed", "continuing")


def _case_conditions(period: Period, j: int) -> dict[str, tuple[str, list]]:
    """The SQL condition (over c, _case_states_cte) and its parameters of each case
    figure of a period whose end is ends[j]. case_counts sums them; case_items lists
    the cases meeting one: the one definition of 相談件数, 終結件数 and 継続件数."""
    start, end = _date_param(period.start), _date_param(period.end)
    return {
        "opened": ("c.opened_on >= %s AND c.opened_on <= %s", [start, end]),
        # 終結: ended at the period's end, by an ending within it.
        "closed": (f"c.opened_on <= %s AND c.ended{j} >= %s", [end, start]),
        # 継続: open at the period's end.
        "continuing": (f"c.opened_on <= %s AND c.ended{j} IS NULL", [end]),
    }


def case_counts(periods, agency=None) -> dict[str, list[int]]:
    """相談件数 (opened), 終結件数 (closed), 継続件数 (continuing) per period: one
    statement, conditional sums per period over the cases and their states at the
    period ends (_case_states_cte)."""
    ends = _period_ends(periods)
    cte, params = _case_states_cte(periods, agency)
    sums = []
    for period in periods:
        conditions = _case_conditions(period, ends.index(period.end))
        for figure in CASE_FIGURES:
            condition, condition_params = conditions[figure]
            sums.append(f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)")
            params += condition_params
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {cte} SELECT {', '.join(sums)} FROM c", params)
        row = [int(v or 0) for v in cursor.fetchone()]
    width = len(CASE_FIGURES)
    return {
        figure: [row[width * i + f] for i in range(len(periods))]
        for f, figure in enumerate(CASE_FIGURES)
    }


def case_ids_sql(period: Period, agency, figure: str) -> tuple[str, list]:
    """The ids of the cases one case figure of one period counts, as SQL (a WITH
    statement selecting c.id), for case_items and the dashboard."""
    cte, params = _case_states_cte([period], agency)
    condition, condition_params = _case_conditions(period, 0)[figure]
    return f"WITH {cte} SELECT c.id FROM c WHERE {condition}", params + condition_params


def case_items(period: Period, agency, figure: str):
    """The cases one of 相談件数 / 終結件数 / 継続件数 counts (figure: CASE_FIGURES)."""
    sql, params = case_ids_sql(period, agency, figure)
    return Case.objects.filter(pk__in=RawSQL(sql, params))


def _consultations(periods, agency):
    qs = Consultation.objects.filter(_at_span("received_at", periods))
    if agency is not None:
        qs = qs.filter(agency=agency)
    return qs


# 相談受付 延べ件数 and うち継続相談: the condition, beside the period's, of each.
CONSULTATION_FIGURES = {"total": Q(), "continuation": Q(is_continuation=True)}


def _person_links(periods, agency):
    """(consultation, person) rows of the consultations received in the periods' span
    (Consultation.persons: who the consultation was about)."""
    links = Consultation.persons.through.objects.filter(
        _at_span("consultation__received_at", periods)
    )
    if agency is not None:
        links = links.filter(consultation__agency=agency)
    return links


def consultation_counts(periods, agency=None) -> dict[str, list[int]]:
    """相談受付: 延べ件数 (total), うち継続相談 (continuation), 実人数 (persons)."""
    aggregates = {}
    for i, period in enumerate(periods):
        within = _at("received_at", period)
        for figure, condition in CONSULTATION_FIGURES.items():
            aggregates[f"{figure}{i}"] = Count("pk", filter=within & condition)
    row = _consultations(periods, agency).aggregate(**aggregates)

    links = _person_links(periods, agency)
    ends = {p.end for p in periods}
    if len(ends) == 1:
        # The usual case (the three columns end on the same day): a person is counted
        # in a column when their latest consultation up to that day falls in it. One
        # GROUP BY person, then conditional counts over it (Django nests the query);
        # cheaper than a COUNT(DISTINCT) per column.
        latest = links.values("person_id").annotate(latest=Max("consultation__received_at"))
        persons = latest.aggregate(
            **{
                f"persons{i}": Count("person_id", filter=Q(latest__gte=_aware(period.start)))
                for i, period in enumerate(periods)
            }
        )
    else:
        persons = links.aggregate(
            **{
                f"persons{i}": Count(
                    "person_id", distinct=True, filter=_at("consultation__received_at", period)
                )
                for i, period in enumerate(periods)
            }
        )
    n = range(len(periods))
    return {
        "total": [row[f"total{i}"] for i in n],
        "continuation": [row[f"continuation{i}"] for i in n],
        "persons": [persons[f"persons{i}"] for i in n],
    }


def consultation_items(period: Period, agency, figure: str):
    """The consultations 延べ件数 (total) or うち継続相談 (continuation) counts."""
    return _consultations([period], agency).filter(
        _at("received_at", period) & CONSULTATION_FIGURES[figure]
    )


def consultation_person_items(period: Period, agency):
    """The persons 相談受付 実人数 counts."""
    links = _person_links([period], agency).filter(_at("consultation__received_at", period))
    return Person.objects.filter(pk__in=links.values("person_id"))


def _category_links(periods, agency):
    links = ConsultationCategoryLink.objects.filter(_at_span("consultation__received_at", periods))
    if agency is not None:
        links = links.filter(consultation__agency=agency)
    return links


def category_counts(periods, agency=None) -> dict[str, list[int]]:
    """相談内容 (重複有): (consultation, statistics row) pairs: a consultation counts once
    in each row one of its categories belongs to. Every group of STATISTICS_GROUPS is
    present; a group not in that list is added after the list."""
    rows = (
        _category_links(periods, agency)
        .values("category__statistics_group")
        .annotate(
            **{
                f"n{i}": Count(
                    "consultation_id",
                    distinct=True,
                    filter=_at("consultation__received_at", period),
                )
                for i, period in enumerate(periods)
            }
        )
        .order_by()
    )
    found = _grouped(rows, "category__statistics_group", "n", periods)
    result = {group: found.pop(group, _zeros(periods)) for group in STATISTICS_GROUPS}
    for group in sorted(found):  # groups an administrator added later
        result[group] = found[group]
    return result


def category_items(period: Period, agency, group: str | None):
    """A row of 相談内容: the consultations with a category in the group. The total
    (group None) counts pairs, so it lists (consultation, row) pairs: one category link
    per pair (the first), its category naming the row."""
    links = _category_links([period], agency).filter(_at("consultation__received_at", period))
    if group is not None:
        return Consultation.objects.filter(
            pk__in=links.filter(category__statistics_group=group).values("consultation_id")
        )
    firsts = (
        links.values("consultation_id", "category__statistics_group")
        .annotate(first=Min("pk"))
        .values("first")
    )
    return ConsultationCategoryLink.objects.filter(pk__in=firsts)


def came_from_counts(periods, agency=None) -> dict[str, list[int]]:
    """相談経路: consultations by who came, every CameFrom value present."""
    rows = (
        _consultations(periods, agency)
        .values("came_from")
        .annotate(
            **{
                f"n{i}": Count("pk", filter=_at("received_at", period))
                for i, period in enumerate(periods)
            }
        )
        .order_by()
    )
    found = _grouped(rows, "came_from", "n", periods)
    return {value: found.get(value, _zeros(periods)) for value in CameFrom.values}


def came_from_items(period: Period, agency, value: str | None):
    """A row of 相談経路 (value None: the total, every CameFrom value)."""
    qs = _consultations([period], agency).filter(_at("received_at", period))
    return (
        qs.filter(came_from=value)
        if value is not None
        else qs.filter(came_from__in=CameFrom.values)
    )


REFERRAL_MEASURES = ("sent", "accepted")


def _referrals(periods, agency):
    qs = Referral.objects.filter(_at_span("sent_at", periods))
    if agency is not None:
        qs = qs.filter(from_agency=agency)
    return qs


def _referral_conditions(period: Period) -> dict[str, Q]:
    """繋ぎ (sent in the period) and 受理 (of those, accepted by its last day)."""
    sent = _at("sent_at", period)
    return {"sent": sent, "accepted": sent & Q(accepted_at__lt=_aware(_next(period.end)))}


def referral_counts(periods, agency=None) -> dict[str, dict[str, list[int]]]:
    """繋ぎ先: {kind: {"sent": [...], "accepted": [...]}} for every AgencyKind."""
    aggregates = {
        f"{measure}{i}": Count("pk", filter=condition)
        for i, period in enumerate(periods)
        for measure, condition in _referral_conditions(period).items()
    }
    rows = _referrals(periods, agency).values("to_agency__kind").annotate(**aggregates).order_by()
    found = {m: _grouped(rows, "to_agency__kind", m, periods) for m in REFERRAL_MEASURES}
    return {
        kind: {m: found[m].get(kind, _zeros(periods)) for m in REFERRAL_MEASURES}
        for kind in AgencyKind.values
    }


def referral_items(period: Period, agency, kind: str | None, measure: str):
    """A cell of 繋ぎ先: the referrals sent (or accepted) to agencies of the kind
    (kind None: the total, every AgencyKind)."""
    qs = _referrals([period], agency).filter(_referral_conditions(period)[measure])
    if kind is not None:
        return qs.filter(to_agency__kind=kind)
    return qs.filter(to_agency__kind__in=AgencyKind.values)


def referrals_typed_twice(periods, agency=None):
    """繋ぎ records typed by hand (no referral wrote them, no outside agency named) on a
    day when the same agency sent a referral of the same case through the system: the
    same act recorded twice, left out of 支援内容. The record form no longer allows
    them; records made before it asked for the outside agency may be such. Few rows,
    read through a partial index (cases 0004: hand-typed 繋ぎ naming no agency)."""
    written_by_referral = Referral.objects.filter(support_record=OuterRef("pk"))
    same_day = Referral.objects.annotate(day=TruncDate("sent_at")).filter(
        case=OuterRef("case"), from_agency=OuterRef("agency"), day=OuterRef("occurred_on")
    )
    qs = (
        SupportRecord.objects.filter(
            _at_span("occurred_at", periods), kind=RecordKind.REFERRAL, referred_to=""
        )
        .annotate(occurred_on=TruncDate("occurred_at"))
        .filter(~Exists(written_by_referral), Exists(same_day))
    )
    if agency is not None:
        qs = qs.filter(agency=agency)
    return qs


def _records(periods, agency):
    qs = SupportRecord.objects.filter(_at_span("occurred_at", periods))
    if agency is not None:
        qs = qs.filter(agency=agency)
    return qs


def support_counts(periods, agency=None) -> dict[str, dict[str, list[int]]]:
    """支援内容 (延べ): {"kind": {kind: [...]}, "project": {project: [...]}}.

    One GROUP BY (kind, project) query; the at most 35 grouped rows are summed per kind
    and per project here. A 繋ぎ counts once: the records typed twice
    (referrals_typed_twice, a second small query) are taken off again."""
    qs = _records(periods, agency)
    by_period = {
        f"n{i}": Count("pk", filter=_at("occurred_at", period)) for i, period in enumerate(periods)
    }
    rows = list(qs.values("kind", "project").annotate(**by_period).order_by())
    twice = referrals_typed_twice(periods, agency).values("kind", "project")
    for row in twice.annotate(**by_period).order_by():
        rows.append({**row, **{f"n{i}": -row[f"n{i}"] for i in range(len(periods))}})
    by_kind = {value: _zeros(periods) for value in RecordKind.values}
    by_project = {value: _zeros(periods) for value in Project.values}
    for row in rows:
        for i in range(len(periods)):
            by_kind.setdefault(row["kind"], _zeros(periods))[i] += row[f"n{i}"]
            by_project.setdefault(row["project"], _zeros(periods))[i] += row[f"n{i}"]
    return {"kind": by_kind, "project": by_project}


def support_items(period: Period, agency, *, kind: str | None = None, project: str | None = None):
    """A row of 支援内容 (kind) or of 事業別 (project); neither: their total. A 繋ぎ
    typed twice (referrals_typed_twice) is left out, as support_counts takes it off."""
    qs = _records([period], agency).filter(_at("occurred_at", period))
    if kind is not None:
        qs = qs.filter(kind=kind)
    if project is not None:
        qs = qs.filter(project=project)
    return qs.exclude(pk__in=referrals_typed_twice([period], agency).values("pk"))


def _referral_events(periods, agency):
    events = ReferralEvent.objects.filter(_at_span("at", periods))
    if agency is not None:
        events = events.filter(referral__from_agency=agency)
    return events


def _plans_activated(periods, agency):
    lo, hi = _span(periods)
    plans = SupportPlan.objects.filter(activated_on__gte=lo, activated_on__lte=hi)
    if agency is not None:
        plans = plans.filter(case__lead_agency=agency)
    return plans


def progress_counts(periods, agency=None) -> dict[str, list[int]]:
    """繋ぎ・プランの経過: referral steps taken in each period, by step (the ReferralEvent
    of each step carries the day it was taken), and plans that came into force
    ("plans_activated", SupportPlan.activated_on)."""
    rows = (
        _referral_events(periods, agency)
        .values("to_status")
        .annotate(
            **{f"n{i}": Count("pk", filter=_at("at", period)) for i, period in enumerate(periods)}
        )
        .order_by()
    )
    found = _grouped(rows, "to_status", "n", periods)
    result = {step: found.get(step, _zeros(periods)) for step, _label in REFERRAL_STEPS}
    row = _plans_activated(periods, agency).aggregate(
        **{f"n{i}": Count("pk", filter=_on("activated_on", p)) for i, p in enumerate(periods)}
    )
    result["plans_activated"] = [row[f"n{i}"] for i in range(len(periods))]
    return result


def progress_items(period: Period, agency, step: str):
    """A row of 繋ぎ・プランの経過: the referral events of a step, or (plans_activated)
    the plans that came into force."""
    if step == "plans_activated":
        return _plans_activated([period], agency).filter(_on("activated_on", period))
    return _referral_events([period], agency).filter(_at("at", period), to_status=step)


MEETING_MEASURES = ("held", "cases_distinct", "case_items")


def _meetings_held(periods, agency, now):
    held = Meeting.objects.filter(
        _at_span("starts_at", periods), kind__in=MEETING_KINDS, starts_at__lte=now
    ).exclude(status=MeetingStatus.CANCELLED)
    if agency is not None:
        held = held.filter(organising_agency=agency)
    return held


def _agenda_items(periods, agency, now):
    items = AgendaItem.objects.filter(
        _at_span("meeting__starts_at", periods),
        case__isnull=False,
        meeting__kind__in=MEETING_KINDS,
        meeting__starts_at__lte=now,
    ).exclude(meeting__status=MeetingStatus.CANCELLED)
    if agency is not None:
        items = items.filter(meeting__organising_agency=agency)
    return items


def meeting_counts(periods, agency=None) -> dict[str, dict[str, list[int]]]:
    """会議: per kind (and "total"): held, cases_distinct (実件数), case_items (延べ)."""
    now = timezone.now()
    held_rows = (
        _meetings_held(periods, agency, now)
        .values("kind")
        .annotate(
            **{
                f"n{i}": Count("pk", filter=_at("starts_at", period))
                for i, period in enumerate(periods)
            }
        )
        .order_by()
    )
    held_by_kind = _grouped(held_rows, "kind", "n", periods)

    items = _agenda_items(periods, agency, now)
    aggregates = {}
    for i, period in enumerate(periods):
        within = _at("meeting__starts_at", period)
        aggregates[f"cases{i}"] = Count("case", distinct=True, filter=within)
        aggregates[f"items{i}"] = Count("pk", filter=within)
    item_rows = items.values("meeting__kind").annotate(**aggregates).order_by()
    cases_by_kind = _grouped(item_rows, "meeting__kind", "cases", periods)
    items_by_kind = _grouped(item_rows, "meeting__kind", "items", periods)
    totals = items.aggregate(**aggregates)

    result = {}
    for kind in MEETING_KINDS:
        result[kind] = {
            "held": held_by_kind.get(kind, _zeros(periods)),
            "cases_distinct": cases_by_kind.get(kind, _zeros(periods)),
            "case_items": items_by_kind.get(kind, _zeros(periods)),
        }
    n = range(len(periods))
    result["total"] = {
        "held": [sum(result[k]["held"][i] for k in MEETING_KINDS) for i in n],
        "cases_distinct": [totals[f"cases{i}"] for i in n],  # a case on both kinds counts once
        "case_items": [totals[f"items{i}"] for i in n],
    }
    return result


def meeting_items(period: Period, agency, kind: str | None, measure: str):
    """A row of 会議 (kind None: both kinds): the meetings held, the cases discussed
    (実件数) or the agenda items (延べ)."""
    now = timezone.now()
    if measure == "held":
        qs = _meetings_held([period], agency, now).filter(_at("starts_at", period))
        return qs.filter(kind=kind) if kind is not None else qs
    items = _agenda_items([period], agency, now).filter(_at("meeting__starts_at", period))
    if kind is not None:
        items = items.filter(meeting__kind=kind)
    if measure == "cases_distinct":
        return Case.objects.filter(pk__in=items.values("case_id"))
    return items


def _supported_households_cte(periods, agency) -> tuple[str, list]:
    """The WITH clauses ending with s: one row per household with a counted case, with
    in{i} (one of its cases was open on a day of period i: 1, else 0) and day{i} (the
    last such day)."""
    ends = _period_ends(periods)
    cte, params = _case_states_cte(periods, agency)
    # Per period: the flag (one of the household's cases was open on a day of it), then
    # the day (the last such day: the period's end, or the day the case ended).
    flags, days = [], []
    for i, period in enumerate(periods):
        j = ends.index(period.end)
        flags.append(f"MAX(CASE WHEN {_supported(j)} THEN 1 ELSE 0 END) AS in{i}")
        params += [_date_param(period.end), _date_param(period.start)]
    for i, period in enumerate(periods):
        j = ends.index(period.end)
        days.append(f"MAX(CASE WHEN {_supported(j)} THEN COALESCE(c.ended{j}, %s) END) AS day{i}")
        params += [_date_param(period.end), _date_param(period.start), _date_param(period.end)]
    sql = f"""
        {cte},
        s AS (
            SELECT c.household_id, {", ".join(flags)}, {", ".join(days)}
            FROM c
            GROUP BY c.household_id
        )"""
    return sql, params


def _household_sizes_cte(periods, agency) -> tuple[str, list]:
    """The WITH clauses of 世帯人員 (household_size_counts, household_items), ending
    with b: one row per household, with in{i} (one of its cases was open on a day of
    period i: 1, else 0) and b{i} (its size bucket on its day in period i)."""
    supported, params = _supported_households_cte(periods, agency)
    membership, person = HouseholdMembership._meta.db_table, Person._meta.db_table
    counts = ", ".join(
        f"SUM(CASE WHEN m.household_id IS NOT NULL AND (m.since IS NULL OR m.since <= s.day{i}) "
        f'AND (m."until" IS NULL OR m."until" >= s.day{i}) THEN 1 ELSE 0 END) AS n{i}'
        for i in range(len(periods))
    )
    flags_max = ", ".join(f"MAX(s.in{i}) AS in{i}" for i in range(len(periods)))
    buckets = ", ".join(
        f"CASE WHEN n{i} >= 5 THEN 5 ELSE n{i} END AS b{i}" for i in range(len(periods))
    )
    sql = f"""
        {supported},
        m AS (
            SELECT hm.household_id, hm."until", COALESCE(hm.since, p.birth_date) AS since
            FROM {membership} hm
            JOIN {person} p ON p.id = hm.person_id
            WHERE hm.household_id IN (SELECT household_id FROM s)
        ),
        n AS (
            SELECT s.household_id, {flags_max}, {counts}
            FROM s LEFT JOIN m ON m.household_id = s.household_id
            GROUP BY s.household_id
        ),
        b AS (
            SELECT household_id, {", ".join(f"in{i}" for i in range(len(periods)))}, {buckets}
            FROM n
        )
    """
    return sql, params


def household_size_counts(periods, agency=None) -> dict[int, list[int]]:
    """世帯人員: households supported in each period by their number of members on the
    last day in the period one of their cases was open (bucket 1..5, 5 meaning five or
    more, 0 meaning nobody belonged to it that day).

    One statement: the cases with their states at the period ends (_case_states_cte), a
    row per household with, per period, whether one of its cases was open on a day of
    it and the last such day; its members with the day each belongs from (加入日 since;
    without one, birth) and until (転出日); the members counted on each household's
    day; grouped by the sizes. Written in SQL because the ORM cannot aggregate over an
    aggregate; standard SQL (WITH, CASE), run on PostgreSQL and SQLite alike."""
    cte, params = _household_sizes_cte(periods, agency)
    sums = ", ".join(f"SUM(in{i})" for i in range(len(periods)))
    groups = ", ".join(f"b{i}" for i in range(len(periods)))
    sql = f"WITH {cte} SELECT {groups}, {sums} FROM b GROUP BY {groups}"
    found = {bucket: _zeros(periods) for bucket, _label in HOUSEHOLD_SIZES}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():  # at most a few dozen combinations of sizes
            buckets_of, sums_of = row[: len(periods)], row[len(periods) :]
            for i in range(len(periods)):
                found[int(buckets_of[i] or 0)][i] += int(sums_of[i] or 0)
    return found


def household_items(period: Period, agency, bucket: int | None):
    """A row of 世帯人員: the households supported in the period of that size bucket
    (None: the total, every household supported, whose members need not be counted)."""
    if bucket is None:
        cte, params = _supported_households_cte([period], agency)
        sql = f"WITH {cte} SELECT s.household_id FROM s WHERE s.in0 = 1"
        return Household.objects.filter(pk__in=RawSQL(sql, params))
    cte, params = _household_sizes_cte([period], agency)
    sql = f"WITH {cte} SELECT b.household_id FROM b WHERE b.in0 = 1 AND COALESCE(b.b0, 0) = %s"
    return Household.objects.filter(pk__in=RawSQL(sql, [*params, bucket]))


def new_case_trend(month: dt.date, agency=None, *, months: int = 12) -> list[tuple[dt.date, int]]:
    """New cases (相談件数) per month for the `months` months ending with `month`."""
    first = add_months(month.replace(day=1), -(months - 1))
    qs = Case.objects.filter(opened_on__gte=first, opened_on__lte=month_end(month))
    if agency is not None:
        qs = qs.filter(lead_agency=agency)
    rows = qs.annotate(m=TruncMonth("opened_on")).values("m").annotate(n=Count("pk")).order_by()
    found = {}
    for row in rows:
        m = row["m"]
        if isinstance(m, dt.datetime):
            m = m.date()
        found[m.replace(day=1)] = row["n"]
    return [(add_months(first, i), found.get(add_months(first, i), 0)) for i in range(months)]


def participation_figures(periods) -> dict[str, list[int]]:
    """参加支援 (pillar ④) from participation.selectors.participation_counts (全機関 only)."""
    from participation.selectors import participation_counts

    figures = [participation_counts(p.start, p.end) for p in periods]
    keys = [
        "placements_started",
        "trials_started",
        "placements_settled",
        "placements_ended",
        "follow_ups",
        "host_developments",
    ]
    return {k: [f[k] for f in figures] for k in keys}


def community_figures(periods) -> dict[str, list[int]]:
    """地域づくり (pillar ⑤) from community.selectors.community_counts (全機関 only)."""
    from community.selectors import community_counts

    figures = [community_counts(p.start, p.end) for p in periods]
    out = {
        k: [f[k] for f in figures]
        for k in (
            "active_resources",
            "activities",
            "participants",
            "volunteers",
            "multigenerational_activities",
            "issues_raised",
            "issues_resolved",
        )
    }
    for band in ("children", "youth", "middle_aged", "elderly"):
        out[band] = [f["participants_by_age_band"][band] for f in figures]
    return out


def outreach_figures(periods) -> dict[str, list[int]] | None:
    """アウトリーチ (pillar ③) from outreach.selectors.outreach_counts; None when the
    outreach app offers no such selector. Counted for 全機関 only."""
    try:
        from outreach.selectors import outreach_counts
    except ImportError:
        return None
    figures = [outreach_counts(p.start, p.end) for p in periods]
    return {
        "targets_found": [f["targets_found"] for f in figures],
        "contacts": [f["contacts"] for f in figures],
        "contacts_reached": [f["contacts_reached"] for f in figures],
        "targets_connected": [f["targets_connected"] for f in figures],
        "survey_visits": [sum(f["survey_visits_by_result"].values()) for f in figures],
    }


# ---------------------------------------------------------------- the tables


# The rows of the pillar tables: (key in the app's figures, label).
OUTREACH_ROWS = [
    ("targets_found", gettext_lazy("把握した対象者")),
    ("contacts", gettext_lazy("接触の試み（延べ）")),
    ("contacts_reached", gettext_lazy("うち本人・家族と接触できた")),
    ("targets_connected", gettext_lazy("支援につながった対象者")),
    ("survey_visits", gettext_lazy("世帯訪問調査（延べ）")),
]
PARTICIPATION_ROWS = [
    ("placements_started", gettext_lazy("調整を始めた参加")),
    ("trials_started", gettext_lazy("体験を始めた参加")),
    ("placements_settled", gettext_lazy("定着した参加")),
    ("placements_ended", gettext_lazy("終了した参加")),
    ("follow_ups", gettext_lazy("定着支援（延べ）")),
    ("host_developments", gettext_lazy("受入先開拓（延べ）")),
]
COMMUNITY_ROWS = [
    ("active_resources", gettext_lazy("活動中の地域資源")),
    ("activities", gettext_lazy("活動（延べ）")),
    ("participants", gettext_lazy("参加者（延べ）")),
    ("children", gettext_lazy("うち子ども（0〜17歳）")),
    ("youth", gettext_lazy("うち若者（18〜39歳）")),
    ("middle_aged", gettext_lazy("うち中高年（40〜64歳）")),
    ("elderly", gettext_lazy("うち高齢者（65歳以上）")),
    ("volunteers", gettext_lazy("ボランティア（延べ）")),
    ("multigenerational_activities", gettext_lazy("多世代の活動")),
    ("issues_raised", gettext_lazy("提起された地域課題")),
    ("issues_resolved", gettext_lazy("解決した地域課題")),
]
# Every pillar table's rows, by table key.
PILLAR_ROWS = {
    "outreach": OUTREACH_ROWS,
    "participation": PARTICIPATION_ROWS,
    "community": COMMUNITY_ROWS,
}


@dataclass
class Row:
    label: str
    values: list[int]
    is_total: bool = False
    # What the row counts, for its list (reports.figures): a CameFrom value, a
    # statistics group, "total", ... "" when the row has no list.
    key: str = ""


@dataclass
class Table:
    """One table of the report. columns label every value column; groups (label, span)
    optionally head them (繋ぎ先: 当月 → 繋ぎ / 受理)."""

    key: str
    title: str
    columns: list[str]
    rows: list[Row]
    groups: list[tuple[str, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # DEFINITIONS keys
    # The measures of each period's values when a period has several (繋ぎ先: sent,
    # accepted); value i is then period i // len(measures), measure i % len(measures).
    measures: tuple[str, ...] = ()

    def row(self, label: str) -> Row:
        return next(r for r in self.rows if r.label == label)


@dataclass
class Statistics:
    """Every table of one report: its period (ReportPeriod), scope and columns."""

    period: ReportPeriod
    scope_agency: object
    periods: list[Period]
    tables: dict[str, Table]
    trend: list[tuple[dt.date, int]]

    @property
    def month(self) -> dt.date:
        """The first day of the month the period ends in."""
        return self.period.end.replace(day=1)

    @property
    def title(self) -> str:
        return self.period.document_title

    @property
    def scope_label(self) -> str:
        return scope_label(self.scope_agency)

    @property
    def fiscal_year_label(self) -> str:
        """令和6年度 for a month or a quarter (the 年度 their 年度累計 runs in); empty
        for a 年度 (its title says it) or a range (it may span two)."""
        if self.period.kind in (PeriodKind.MONTH, PeriodKind.QUARTER):
            return fiscal_year_label(self.period.fiscal_year)
        return ""

    @property
    def omits_previous_year(self) -> bool:
        return not any(p.is_previous_year for p in self.periods)

    def definitions(self) -> list[tuple[str, str, str]]:
        used = {key for table in self.tables.values() for key in table.notes} | {"periods", "scope"}
        return [(k, str(term), str(text)) for k, term, text in DEFINITIONS if k in used]


MonthlyStatistics = Statistics  # the name of earlier versions


def _total(rows: list[Row], label: str, key: str = "total") -> Row:
    width = len(rows[0].values) if rows else 0
    return Row(
        label, [sum(r.values[i] for r in rows) for i in range(width)], is_total=True, key=key
    )


@contextmanager
def reporting_snapshot():
    """Run the statistics queries in one transaction.

    On PostgreSQL, outside any other transaction, it is REPEATABLE READ and READ ONLY:
    every table comes from the same snapshot, so the figures agree with each other
    while staff keep writing. JIT compilation is switched off for it: these are short
    aggregate queries, and on the benchmark PostgreSQL spent about a second compiling
    the 終結件数 query that then ran in a tenth of that."""
    postgres = connection.vendor == "postgresql"
    outermost = not connection.in_atomic_block
    if postgres and outermost:
        with connection.cursor():  # a connection health check runs now, not inside
            pass
    with transaction.atomic():
        if postgres:
            with connection.cursor() as cursor:
                if outermost:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SET LOCAL jit = off")
                # The dated-history queries sort and hash every case and membership of
                # a period: keep them in memory (the default 4 MB spilled to disk).
                cursor.execute("SET LOCAL work_mem = '32MB'")
        yield


def period_statistics(period: ReportPeriod, agency=None) -> Statistics:
    """Every table of the report for the period and the scope (agency None: 全機関)."""
    with reporting_snapshot():
        return _statistics(period, agency)


def monthly_statistics(period, agency=None) -> Statistics:
    """period: a ReportPeriod, or any day of the month to report (the monthly report)."""
    if not isinstance(period, ReportPeriod):
        period = ReportPeriod.for_month(period)
    return period_statistics(period, agency)


def _statistics(period: ReportPeriod, agency=None) -> Statistics:
    periods = period.columns()
    columns = [p.label for p in periods]
    tables: dict[str, Table] = {}

    cases = case_counts(periods, agency)
    consultations = consultation_counts(periods, agency)
    tables["counts"] = Table(
        "counts",
        _("件数"),
        columns,
        [
            Row(_("相談件数"), cases["opened"], key="opened"),
            Row(_("終結件数"), cases["closed"], key="closed"),
            Row(_("継続件数"), cases["continuing"], key="continuing"),
            Row(_("相談受付 延べ件数"), consultations["total"], key="total"),
            Row(_("うち継続相談"), consultations["continuation"], key="continuation"),
            Row(_("相談受付 実人数"), consultations["persons"], key="persons"),
        ],
        notes=["cases", "consultations"],
    )

    rows = [
        Row(group, values, key=group) for group, values in category_counts(periods, agency).items()
    ]
    tables["categories"] = Table(
        "categories",
        _("相談内容（重複有）"),
        columns,
        [*rows, _total(rows, _("計"))],
        notes=["categories"],
    )

    referrals = referral_counts(periods, agency)
    rows = [
        Row(
            str(AgencyKind(kind).label),
            [v for i in range(len(periods)) for v in (c["sent"][i], c["accepted"][i])],
            key=kind,
        )
        for kind, c in referrals.items()
    ]
    tables["referrals"] = Table(
        "referrals",
        _("繋ぎ先"),
        [label for _p in periods for label in (_("繋ぎ"), _("受理"))],
        [*rows, _total(rows, _("計"))],
        groups=[(p.label, 2) for p in periods],
        notes=["referrals"],
        measures=REFERRAL_MEASURES,
    )

    support = support_counts(periods, agency)
    rows = [Row(str(RecordKind(k).label), v, key=k) for k, v in support["kind"].items()]
    tables["support"] = Table(
        "support",
        _("支援内容（延べ）"),
        columns,
        [*rows, _total(rows, _("計"))],
        notes=["support"],
    )

    progress = progress_counts(periods, agency)
    rows = [Row(str(label), progress[step], key=step) for step, label in REFERRAL_STEPS]
    rows.append(Row(_("支援プラン 実施開始"), progress["plans_activated"], key="plans_activated"))
    tables["progress"] = Table(
        "progress", _("繋ぎ・プランの経過（延べ）"), columns, rows, notes=["progress"]
    )

    rows = [
        Row(str(CameFrom(k).label), v, key=k) for k, v in came_from_counts(periods, agency).items()
    ]
    tables["came_from"] = Table(
        "came_from", _("相談経路"), columns, [*rows, _total(rows, _("計"))], notes=["came_from"]
    )

    meetings = meeting_counts(periods, agency)
    rows = []
    for kind, label in [*((k, MeetingKind(k).label) for k in MEETING_KINDS), ("total", _("計"))]:
        figures = meetings[kind]
        rows += [
            Row(
                _("%(kind)s 開催回数") % {"kind": label},
                figures["held"],
                kind == "total",
                key=f"{kind}.held",
            ),
            Row(
                _("%(kind)s 検討ケース（実件数）") % {"kind": label},
                figures["cases_distinct"],
                kind == "total",
                key=f"{kind}.cases_distinct",
            ),
            Row(
                _("%(kind)s 検討ケース（延べ）") % {"kind": label},
                figures["case_items"],
                kind == "total",
                key=f"{kind}.case_items",
            ),
        ]
    tables["meetings"] = Table("meetings", _("会議"), columns, rows, notes=["meetings"])

    sizes = household_size_counts(periods, agency)
    rows = [Row(str(label), sizes[bucket], key=str(bucket)) for bucket, label in HOUSEHOLD_SIZES]
    tables["households"] = Table(
        "households",
        _("世帯人員"),
        columns,
        [*rows, _total(rows, _("計（支援した世帯）"))],
        notes=["households"],
    )

    rows = [Row(str(Project(k).label), v, key=k) for k, v in support["project"].items()]
    tables["projects"] = Table(
        "projects",
        _("事業別（支援内容 延べ）"),
        columns,
        [*rows, _total(rows, _("計"))],
        notes=["support"],
    )

    outreach = outreach_figures(periods) if agency is None else None
    if outreach is not None:
        tables["outreach"] = Table(
            "outreach",
            _("アウトリーチ"),
            columns,
            [Row(str(label), outreach[key], key=key) for key, label in OUTREACH_ROWS],
            notes=["outreach"],
        )

    if agency is None:
        part = participation_figures(periods)
        tables["participation"] = Table(
            "participation",
            _("参加支援"),
            columns,
            [Row(str(label), part[key], key=key) for key, label in PARTICIPATION_ROWS],
            notes=["participation"],
        )
        comm = community_figures(periods)
        tables["community"] = Table(
            "community",
            _("地域づくり"),
            columns,
            [Row(str(label), comm[key], key=key) for key, label in COMMUNITY_ROWS],
            notes=["community"],
        )

    return Statistics(
        period=period,
        scope_agency=agency,
        periods=periods,
        tables=tables,
        trend=new_case_trend(min(period.end, timezone.localdate()), agency),
    )
