"""The monthly statistics: every figure by aggregate SQL, for any periods and scope.

Each query function takes a list of Periods and an optional agency (the scope) and
returns, per table row, one integer per period. A period is a closed range of local
(Asia/Tokyo) dates; datetimes are compared with the period's bounds turned into aware
datetimes, so indexes on the timestamp columns are used. Several periods are counted
in ONE query with conditional aggregation (COUNT ... FILTER (WHERE ...)); nothing
loops over records in Python (the only Python sums add up a handful of grouped rows).
monthly_statistics runs all of them in one read-only snapshot (reporting_snapshot).

Scope: agency=None counts the whole desk (every agency's records in the system);
an agency restricts each figure to that agency's own work:
cases it leads, consultations it received, support records it wrote, referrals it
sent, meetings it organised, households of cases it leads.

Definitions (also printed as the PDF's footnotes, DEFINITIONS below):

- 相談件数: cases (cases.Case) opened in the period (opened_on).
- 終結件数: of those, the cases closed or suspended (終結/中断) at the period's end:
  the last status change (CaseStatusChange) dated on or before the end is an ended
  status. Cases without any status change row (created outside the services) fall
  back to status ended with closed_on on or before the end. A case closed before the
  end and reopened later still counts as closed for that period, so re-running a past
  month gives the same figures.
- 継続件数: 相談件数 − 終結件数 (still open at the period's end).
- 相談受付 延べ件数: consultations (intake.Consultation) received in the period
  (received_at), 継続相談 (is_continuation) included; うち継続相談: those marked so.
- 相談受付 実人数: distinct persons concerned (Consultation.persons) across those.
- 相談内容 (重複有): (consultation, category) pairs of the period's consultations,
  by ConsultationCategory.statistics_group in the desk's table order (every row,
  zeros included). Several categories per consultation and several consultations per
  case make the total exceed 相談件数.
- 相談経路: the period's consultations by who came (Consultation.came_from).
- 繋ぎ先: referrals sent in the period (sent_at) by the receiving agency's kind (every
  AgencyKind, zeros included); 受理: those of them accepted on or before the period's
  last day (accepted_at), whatever happened to them later.
- 支援内容 (延べ): support records (cases.SupportRecord) of the period (occurred_at) by
  kind, and the same records by 事業 ①〜⑤ (project).
- 会議: 支援会議 and 重層的支援会議 held in the period (started, not cancelled), and
  the cases discussed: 実件数 = distinct cases on their agendas, 延べ = agenda items
  about a case.
- 世帯人員: households supported = distinct households of the cases open at any time
  in the period (opened on or before its end, not closed before its start), by their
  current number of members (HouseholdMembership without an end date).
- Columns: 当月 (the month), 年度累計 (from 1 April, or the desk's opening when later,
  to the month's end) and 開設以来 (since settings.DESK_OPENED_ON to the month's end).
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import AgencyKind
from cases.choices import ENDED_STATUSES, Project, RecordKind
from cases.models import Case, CaseStatusChange, SupportRecord
from common.wareki import fiscal_year_label, fiscal_year_of, format_short
from households.models import HouseholdMembership
from intake.choices import CameFrom
from intake.models import Consultation, ConsultationCategory, ConsultationCategoryLink
from meetings.choices import MeetingKind, MeetingStatus
from meetings.models import AgendaItem, Meeting
from referrals.models import Referral

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

# 世帯人員 rows: (bucket, label); bucket 5 is 5 or more, 0 a household nobody lives in now.
HOUSEHOLD_SIZES = [
    (1, gettext_lazy("1人")),
    (2, gettext_lazy("2人")),
    (3, gettext_lazy("3人")),
    (4, gettext_lazy("4人")),
    (5, gettext_lazy("5人以上")),
    (0, gettext_lazy("不明（現在の世帯員なし）")),
]

# The footnotes: (key, term, definition). Table.notes refers to these keys.
DEFINITIONS = [
    (
        "periods",
        gettext_lazy("集計期間"),
        gettext_lazy(
            "当月は対象月の1日から末日まで。年度累計は4月1日（窓口の開設が年度の途中の場合は"
            "開設日）から対象月の末日まで。開設以来は窓口の開設日から対象月の末日まで。"
            "日付・時刻は日本時間。"
        ),
    ),
    (
        "cases",
        gettext_lazy("相談件数・終結件数・継続件数"),
        gettext_lazy(
            "相談件数は期間内に開始したケースの数（開始日による）。終結件数はそのうち期間の末日に"
            "終結または中断していたもの（その後再開したものを含む）、継続件数は期間の末日に支援を"
            "続けていたもの（相談件数−終結件数）。"
        ),
    ),
    (
        "consultations",
        gettext_lazy("相談受付 延べ件数・実人数"),
        gettext_lazy(
            "延べ件数は期間内に受け付けた相談の数（継続相談を含む）。実人数はそれらの相談の"
            "対象者を重複なく数えた人数。"
        ),
    ),
    (
        "categories",
        gettext_lazy("相談内容（重複有）"),
        gettext_lazy(
            "期間内の相談と、その相談内容の区分の組の数。1件の相談に複数の区分があり、1つの"
            "ケースに複数の相談があるため、合計は相談件数を上回る。区分は相談内容の「統計区分」による。"
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
            "までに繋ぎ先が受理したもの（その後の辞退・取消にかかわらず）。"
        ),
    ),
    (
        "support",
        gettext_lazy("支援内容（延べ）・事業別"),
        gettext_lazy(
            "期間内の支援経過記録を種別ごとに数えたもの。事業別は同じ記録を事業①〜⑤ごとに"
            "数えたもの。"
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
            "期間中に一日でも支援していたケース（期間の末日までに開始し、期間の初日より前に"
            "終結していないもの）の世帯を重複なく数え、現在の世帯員数で分けたもの。"
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
            "窓口全体はすべての機関の記録を数える。機関を指定した場合は、その機関が主担当のケース、"
            "受け付けた相談、書いた支援経過、送付した繋ぎ、主催した会議に限る（アウトリーチは"
            "窓口全体のみ）。個人を特定できる情報は含まない。"
        ),
    ),
]


# ---------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: dt.date
    end: dt.date

    @property
    def range_label(self) -> str:
        return f"{format_short(self.start)}〜{format_short(self.end)}"


def desk_opened_on() -> dt.date:
    value = settings.DESK_OPENED_ON
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_periods(month: dt.date) -> list[Period]:
    """当月, 年度累計 and 開設以来, all ending on the month's last day."""
    first = month.replace(day=1)
    last = month_end(first)
    opened = desk_opened_on()
    fiscal_start = dt.date(fiscal_year_of(first), 4, 1)
    return [
        Period("month", _("当月"), max(first, opened), last),
        Period("fiscal_year", _("年度累計"), max(fiscal_start, opened), last),
        Period("since_opened", _("開設以来"), opened, last),
    ]


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _span(periods) -> tuple[dt.date, dt.date]:
    return min(p.start for p in periods), max(p.end for p in periods)


def _on(field: str, period: Period) -> Q:
    """A date column within the period."""
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


def _at(field: str, period: Period) -> Q:
    """A timestamp column within the period's local days (index-friendly bounds)."""
    return Q(**{f"{field}__gte": _aware(period.start), f"{field}__lt": _aware(_next(period.end))})


def _next(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=1)


def _at_span(field: str, periods) -> Q:
    lo, hi = _span(periods)
    return _at(field, Period("", "", lo, hi))


def _zeros(periods) -> list[int]:
    return [0] * len(periods)


def _grouped(rows, key: str, prefix: str, periods) -> dict:
    """{group value: [count per period]} from a values(key).annotate(prefix0=…) query."""
    return {r[key]: [r[f"{prefix}{i}"] or 0 for i in range(len(periods))] for r in rows}


# ---------------------------------------------------------------- the figures


def case_counts(periods, agency=None) -> dict[str, list[int]]:
    """相談件数 (opened), 終結件数 (closed), 継続件数 (continuing) per period."""
    lo, hi = _span(periods)
    qs = Case.objects.filter(opened_on__gte=lo, opened_on__lte=hi)
    if agency is not None:
        qs = qs.filter(lead_agency=agency)
    ends = sorted({p.end for p in periods})
    qs = qs.annotate(
        **{
            f"status_at_{i}": Subquery(
                CaseStatusChange.objects.filter(case=OuterRef("pk"), on__lte=end)
                .order_by("-on", "-pk")
                .values("to_status")[:1]
            )
            for i, end in enumerate(ends)
        }
    )
    aggregates = {}
    for i, period in enumerate(periods):
        status_at = f"status_at_{ends.index(period.end)}"
        ended = Q(**{f"{status_at}__in": ENDED_STATUSES}) | Q(
            **{f"{status_at}__isnull": True},
            status__in=ENDED_STATUSES,
            closed_on__lte=period.end,
        )
        opened = _on("opened_on", period)
        aggregates[f"opened{i}"] = Count("pk", filter=opened)
        aggregates[f"closed{i}"] = Count("pk", filter=opened & ended)
    row = qs.aggregate(**aggregates)
    opened = [row[f"opened{i}"] for i in range(len(periods))]
    closed = [row[f"closed{i}"] for i in range(len(periods))]
    return {
        "opened": opened,
        "closed": closed,
        "continuing": [o - c for o, c in zip(opened, closed, strict=True)],
    }


def _consultations(periods, agency):
    qs = Consultation.objects.filter(_at_span("received_at", periods))
    if agency is not None:
        qs = qs.filter(agency=agency)
    return qs


def consultation_counts(periods, agency=None) -> dict[str, list[int]]:
    """相談受付: 延べ件数 (total), うち継続相談 (continuation), 実人数 (persons)."""
    aggregates = {}
    for i, period in enumerate(periods):
        within = _at("received_at", period)
        aggregates[f"total{i}"] = Count("pk", filter=within)
        aggregates[f"continuation{i}"] = Count("pk", filter=within & Q(is_continuation=True))
    row = _consultations(periods, agency).aggregate(**aggregates)

    links = Consultation.persons.through.objects.filter(
        _at_span("consultation__received_at", periods)
    )
    if agency is not None:
        links = links.filter(consultation__agency=agency)
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


def category_counts(periods, agency=None) -> dict[str, list[int]]:
    """相談内容 (重複有): (consultation, category) pairs per statistics group; every group
    of STATISTICS_GROUPS is present, a group not in that list is added after the list."""
    links = ConsultationCategoryLink.objects.filter(_at_span("consultation__received_at", periods))
    if agency is not None:
        links = links.filter(consultation__agency=agency)
    # Grouped by category id (an integer, no join), then the few category rows are
    # added up per statistics group.
    rows = (
        links.values("category_id")
        .annotate(
            **{
                f"n{i}": Count("pk", filter=_at("consultation__received_at", period))
                for i, period in enumerate(periods)
            }
        )
        .order_by()
    )
    group_of = dict(ConsultationCategory.objects.values_list("pk", "statistics_group"))
    found: dict[str, list[int]] = {}
    for category_id, values in _grouped(rows, "category_id", "n", periods).items():
        total = found.setdefault(group_of[category_id], _zeros(periods))
        for i, value in enumerate(values):
            total[i] += value
    result = {group: found.pop(group, _zeros(periods)) for group in STATISTICS_GROUPS}
    for group in sorted(found):  # groups an administrator added later
        result[group] = found[group]
    return result


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


def referral_counts(periods, agency=None) -> dict[str, dict[str, list[int]]]:
    """繋ぎ先: {kind: {"sent": [...], "accepted": [...]}} for every AgencyKind."""
    qs = Referral.objects.filter(_at_span("sent_at", periods))
    if agency is not None:
        qs = qs.filter(from_agency=agency)
    aggregates = {}
    for i, period in enumerate(periods):
        sent = _at("sent_at", period)
        aggregates[f"sent{i}"] = Count("pk", filter=sent)
        aggregates[f"accepted{i}"] = Count(
            "pk", filter=sent & Q(accepted_at__lt=_aware(_next(period.end)))
        )
    rows = qs.values("to_agency__kind").annotate(**aggregates).order_by()
    sent = _grouped(rows, "to_agency__kind", "sent", periods)
    accepted = _grouped(rows, "to_agency__kind", "accepted", periods)
    return {
        kind: {
            "sent": sent.get(kind, _zeros(periods)),
            "accepted": accepted.get(kind, _zeros(periods)),
        }
        for kind in AgencyKind.values
    }


def support_counts(periods, agency=None) -> dict[str, dict[str, list[int]]]:
    """支援内容 (延べ): {"kind": {kind: [...]}, "project": {project: [...]}}.

    One GROUP BY (kind, project) query; the at most 35 grouped rows are summed per kind
    and per project here."""
    qs = SupportRecord.objects.filter(_at_span("occurred_at", periods))
    if agency is not None:
        qs = qs.filter(agency=agency)
    rows = (
        qs.values("kind", "project")
        .annotate(
            **{
                f"n{i}": Count("pk", filter=_at("occurred_at", period))
                for i, period in enumerate(periods)
            }
        )
        .order_by()
    )
    by_kind = {value: _zeros(periods) for value in RecordKind.values}
    by_project = {value: _zeros(periods) for value in Project.values}
    for row in rows:
        for i in range(len(periods)):
            by_kind.setdefault(row["kind"], _zeros(periods))[i] += row[f"n{i}"]
            by_project.setdefault(row["project"], _zeros(periods))[i] += row[f"n{i}"]
    return {"kind": by_kind, "project": by_project}


def meeting_counts(periods, agency=None) -> dict[str, dict[str, list[int]]]:
    """会議: per kind (and "total"): held, cases_distinct (実件数), case_items (延べ)."""
    now = timezone.now()
    held = Meeting.objects.filter(
        _at_span("starts_at", periods), kind__in=MEETING_KINDS, starts_at__lte=now
    ).exclude(status=MeetingStatus.CANCELLED)
    if agency is not None:
        held = held.filter(organising_agency=agency)
    held_rows = (
        held.values("kind")
        .annotate(
            **{
                f"n{i}": Count("pk", filter=_at("starts_at", period))
                for i, period in enumerate(periods)
            }
        )
        .order_by()
    )
    held_by_kind = _grouped(held_rows, "kind", "n", periods)

    items = AgendaItem.objects.filter(
        _at_span("meeting__starts_at", periods),
        case__isnull=False,
        meeting__kind__in=MEETING_KINDS,
        meeting__starts_at__lte=now,
    ).exclude(meeting__status=MeetingStatus.CANCELLED)
    if agency is not None:
        items = items.filter(meeting__organising_agency=agency)
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


def household_size_counts(periods, agency=None) -> dict[int, list[int]]:
    """世帯人員: households supported in each period by current number of members
    (bucket 1..5, 5 meaning five or more, 0 meaning nobody lives there now).

    One statement: the cases open at some time in any period, grouped by household
    (a flag per period: was one of its cases open then), joined to the households'
    current member counts, grouped by size. Written in SQL because the ORM cannot
    aggregate over an aggregate; standard SQL, run on PostgreSQL and SQLite alike."""
    case, membership = Case._meta, HouseholdMembership._meta
    lo, hi = _span(periods)
    params: list = []
    flags = []
    for i, period in enumerate(periods):
        flags.append(
            f"MAX(CASE WHEN c.opened_on <= %s AND (c.closed_on IS NULL OR c.closed_on >= %s) "
            f"THEN 1 ELSE 0 END) AS in{i}"
        )
        params += [period.end, period.start]
    where = "c.opened_on <= %s AND (c.closed_on IS NULL OR c.closed_on >= %s)"
    params += [hi, lo]
    if agency is not None:
        where += " AND c.lead_agency_id = %s"
        params.append(agency.pk)
    sums = ", ".join(f"SUM(s.in{i})" for i in range(len(periods)))
    sql = f"""
        SELECT CASE WHEN COALESCE(m.n, 0) >= 5 THEN 5 ELSE COALESCE(m.n, 0) END AS bucket, {sums}
        FROM (
            SELECT c.household_id, {", ".join(flags)}
            FROM {case.db_table} c
            WHERE {where}
            GROUP BY c.household_id
        ) s
        LEFT JOIN (
            SELECT household_id, COUNT(*) AS n
            FROM {membership.db_table}
            WHERE "until" IS NULL
            GROUP BY household_id
        ) m ON m.household_id = s.household_id
        GROUP BY 1
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {row[0]: [int(v or 0) for v in row[1:]] for row in cursor.fetchall()}
    return {bucket: found.get(bucket, _zeros(periods)) for bucket, _label in HOUSEHOLD_SIZES}


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
    """参加支援 (pillar ④) from participation.selectors.participation_counts (whole desk)."""
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
    """地域づくり (pillar ⑤) from community.selectors.community_counts (whole desk)."""
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
    outreach app offers no such selector. Counted for the whole desk only."""
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


@dataclass
class Row:
    label: str
    values: list[int]
    is_total: bool = False


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

    def row(self, label: str) -> Row:
        return next(r for r in self.rows if r.label == label)


@dataclass
class MonthlyStatistics:
    month: dt.date
    scope_agency: object
    periods: list[Period]
    tables: dict[str, Table]
    trend: list[tuple[dt.date, int]]

    @property
    def fiscal_year_label(self) -> str:
        return fiscal_year_label(fiscal_year_of(self.month))

    def definitions(self) -> list[tuple[str, str, str]]:
        used = {key for table in self.tables.values() for key in table.notes} | {"periods", "scope"}
        return [(k, str(term), str(text)) for k, term, text in DEFINITIONS if k in used]


def _total(rows: list[Row], label: str) -> Row:
    width = len(rows[0].values) if rows else 0
    return Row(label, [sum(r.values[i] for r in rows) for i in range(width)], is_total=True)


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
        yield


def monthly_statistics(month: dt.date, agency=None) -> MonthlyStatistics:
    """Every table of the monthly report for `month` (any day in it) and the scope."""
    with reporting_snapshot():
        return _monthly_statistics(month, agency)


def _monthly_statistics(month: dt.date, agency=None) -> MonthlyStatistics:
    month = month.replace(day=1)
    periods = month_periods(month)
    columns = [p.label for p in periods]
    tables: dict[str, Table] = {}

    cases = case_counts(periods, agency)
    consultations = consultation_counts(periods, agency)
    tables["counts"] = Table(
        "counts",
        _("件数"),
        columns,
        [
            Row(_("相談件数"), cases["opened"]),
            Row(_("終結件数"), cases["closed"]),
            Row(_("継続件数"), cases["continuing"]),
            Row(_("相談受付 延べ件数"), consultations["total"]),
            Row(_("うち継続相談"), consultations["continuation"]),
            Row(_("相談受付 実人数"), consultations["persons"]),
        ],
        notes=["cases", "consultations"],
    )

    rows = [Row(group, values) for group, values in category_counts(periods, agency).items()]
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
    )

    support = support_counts(periods, agency)
    rows = [Row(str(RecordKind(k).label), v) for k, v in support["kind"].items()]
    tables["support"] = Table(
        "support",
        _("支援内容（延べ）"),
        columns,
        [*rows, _total(rows, _("計"))],
        notes=["support"],
    )

    rows = [Row(str(CameFrom(k).label), v) for k, v in came_from_counts(periods, agency).items()]
    tables["came_from"] = Table(
        "came_from", _("相談経路"), columns, [*rows, _total(rows, _("計"))], notes=["came_from"]
    )

    meetings = meeting_counts(periods, agency)
    rows = []
    for kind, label in [*((k, MeetingKind(k).label) for k in MEETING_KINDS), ("total", _("計"))]:
        figures = meetings[kind]
        rows += [
            Row(_("%(kind)s 開催回数") % {"kind": label}, figures["held"], kind == "total"),
            Row(
                _("%(kind)s 検討ケース（実件数）") % {"kind": label},
                figures["cases_distinct"],
                kind == "total",
            ),
            Row(
                _("%(kind)s 検討ケース（延べ）") % {"kind": label},
                figures["case_items"],
                kind == "total",
            ),
        ]
    tables["meetings"] = Table("meetings", _("会議"), columns, rows, notes=["meetings"])

    sizes = household_size_counts(periods, agency)
    rows = [Row(str(label), sizes[bucket]) for bucket, label in HOUSEHOLD_SIZES]
    tables["households"] = Table(
        "households",
        _("世帯人員"),
        columns,
        [*rows, _total(rows, _("計（支援した世帯）"))],
        notes=["households"],
    )

    rows = [Row(str(Project(k).label), v) for k, v in support["project"].items()]
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
            [
                Row(_("把握した対象者"), outreach["targets_found"]),
                Row(_("接触の試み（延べ）"), outreach["contacts"]),
                Row(_("うち本人・家族と接触できた"), outreach["contacts_reached"]),
                Row(_("支援につながった対象者"), outreach["targets_connected"]),
                Row(_("世帯訪問調査（延べ）"), outreach["survey_visits"]),
            ],
            notes=["outreach"],
        )

    if agency is None:
        part = participation_figures(periods)
        tables["participation"] = Table(
            "participation",
            _("参加支援"),
            columns,
            [
                Row(_("調整を始めた参加"), part["placements_started"]),
                Row(_("体験を始めた参加"), part["trials_started"]),
                Row(_("定着した参加"), part["placements_settled"]),
                Row(_("終了した参加"), part["placements_ended"]),
                Row(_("定着支援（延べ）"), part["follow_ups"]),
                Row(_("受入先開拓（延べ）"), part["host_developments"]),
            ],
            notes=["participation"],
        )
        comm = community_figures(periods)
        tables["community"] = Table(
            "community",
            _("地域づくり"),
            columns,
            [
                Row(_("活動中の地域資源"), comm["active_resources"]),
                Row(_("活動（延べ）"), comm["activities"]),
                Row(_("参加者（延べ）"), comm["participants"]),
                Row(_("うち子ども（0〜17歳）"), comm["children"]),
                Row(_("うち若者（18〜39歳）"), comm["youth"]),
                Row(_("うち中高年（40〜64歳）"), comm["middle_aged"]),
                Row(_("うち高齢者（65歳以上）"), comm["elderly"]),
                Row(_("ボランティア（延べ）"), comm["volunteers"]),
                Row(_("多世代の活動"), comm["multigenerational_activities"]),
                Row(_("提起された地域課題"), comm["issues_raised"]),
                Row(_("解決した地域課題"), comm["issues_resolved"]),
            ],
            notes=["community"],
        )

    return MonthlyStatistics(
        month=month,
        scope_agency=agency,
        periods=periods,
        tables=tables,
        trend=new_case_trend(month, agency),
    )
