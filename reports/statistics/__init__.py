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

from reports.periods import (  # noqa: F401  (re-exported: older callers import them here)
    Period,
    ReportPeriod,
    add_months,
    desk_opened_on,
    month_end,
    month_periods,
)
from reports.statistics.acts import (
    MEETING_MEASURES,
    REFERRAL_MEASURES,
    meeting_counts,
    meeting_items,
    progress_counts,
    progress_items,
    referral_counts,
    referral_items,
    referrals_typed_twice,
    support_counts,
    support_items,
)
from reports.statistics.cases import (
    CASE_FIGURES,
    case_counts,
    case_ids_sql,
    case_items,
    counted_cases,
    household_items,
    household_size_counts,
    new_case_trend,
)
from reports.statistics.consultations import (
    CONSULTATION_FIGURES,
    _person_links,
    came_from_counts,
    came_from_items,
    category_counts,
    category_items,
    consultation_counts,
    consultation_items,
    consultation_person_items,
)
from reports.statistics.definitions import (
    DEFINITIONS,
    HOUSEHOLD_SIZES,
    MEETING_KINDS,
    OTHER_GROUP,
    REFERRAL_STEPS,
    STATISTICS_GROUPS,
    scope_label,
)
from reports.statistics.pillars import (
    COMMUNITY_ROWS,
    OUTREACH_ROWS,
    PARTICIPATION_ROWS,
    PILLAR_ROWS,
    community_figures,
    outreach_figures,
    participation_figures,
)
from reports.statistics.sql import _at
from reports.statistics.tables import (
    TABLE_KEYS,
    MonthlyStatistics,
    Row,
    Statistics,
    Table,
    monthly_statistics,
    period_statistics,
    reporting_snapshot,
)

# Every name other modules and the tests import from reports.statistics.
__all__ = [
    "CASE_FIGURES",
    "COMMUNITY_ROWS",
    "CONSULTATION_FIGURES",
    "DEFINITIONS",
    "HOUSEHOLD_SIZES",
    "MEETING_KINDS",
    "MEETING_MEASURES",
    "MonthlyStatistics",
    "OTHER_GROUP",
    "OUTREACH_ROWS",
    "PARTICIPATION_ROWS",
    "PILLAR_ROWS",
    "Period",
    "REFERRAL_MEASURES",
    "REFERRAL_STEPS",
    "ReportPeriod",
    "Row",
    "STATISTICS_GROUPS",
    "Statistics",
    "TABLE_KEYS",
    "Table",
    "_at",
    "_person_links",
    "add_months",
    "came_from_counts",
    "came_from_items",
    "case_counts",
    "case_ids_sql",
    "case_items",
    "category_counts",
    "category_items",
    "community_figures",
    "consultation_counts",
    "consultation_items",
    "consultation_person_items",
    "counted_cases",
    "desk_opened_on",
    "household_items",
    "household_size_counts",
    "meeting_counts",
    "meeting_items",
    "month_end",
    "month_periods",
    "monthly_statistics",
    "new_case_trend",
    "outreach_figures",
    "participation_figures",
    "period_statistics",
    "progress_counts",
    "progress_items",
    "referral_counts",
    "referral_items",
    "referrals_typed_twice",
    "reporting_snapshot",
    "scope_label",
    "support_counts",
    "support_items",
]
