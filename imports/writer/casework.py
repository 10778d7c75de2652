"""Writes of the 相談, ケース, プラン, 支援経過 and つなぎ ledgers."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from cases import services as case_services
from cases import sharing
from cases.choices import CasePersonRole, CaseStatus
from households.models import Consent
from imports import ledgers
from imports.reader import (
    parse_course,
    parse_day,
    parse_moment,
    parse_roles,
    split_list,
    split_names,
)
from imports.writer.keys import KeyedWriter, RowFailed, day_or_none, row_getter
from intake import services as intake_services
from referrals import services as referral_services
from referrals.choices import ReferralStatus


class CaseworkWrites(KeyedWriter):
    def _write_consultations(self, row, get) -> bool:
        if self.known("consultation", row.key):
            return False
        household = self.get("household", get("世帯キー")) if get("世帯キー") else None
        persons = [self.get("person", k) for k in split_list(get("対象者キー"))]
        names = split_names(get("相談内容"), self.categories)
        primary = self.categories[get("主な相談内容")]
        categories = [self.categories[n] for n in names]
        if primary not in categories:
            categories.insert(0, primary)
        caller_agency = self.agencies.get(get("相談元の機関")) if get("相談元の機関") else None
        consultation = intake_services.consultation_create(
            actor=self.actor,
            agency=self.agency,
            received_at=parse_moment(get("受付日")),
            channel=self.code("channel", get("相談方法")),
            came_from=self.code("came_from", get("相談者")),
            caller_name=get("相談者の氏名"),
            caller_agency=caller_agency,
            household=household,
            persons=persons,
            categories=categories,
            primary_category=primary,
            summary=get("主訴"),
            outcome=self.code("outcome", get("対応結果")),
            is_continuation=get("継続相談") == "はい",
            urgency=self.code("urgency", get("緊急度"), "normal"),
        )
        self.remember("consultation", row.key, consultation)
        return True

    def _write_cases(self, row, get) -> bool:
        if self.known("case", row.key):
            return False
        household = self.get("household", get("世帯キー"))
        persons = [
            (self.get("person", k), CasePersonRole.MEMBER) for k in split_list(get("対象者キー"))
        ]
        consultations = [self.get("consultation", k) for k in split_list(get("相談キー"))]
        lead_staff = self.staff[get("主担当")]
        case = case_services.case_open(
            actor=self.actor,
            household=household,
            lead_agency=self.agency,
            lead_staff=lead_staff,
            title=get("ケース名"),
            opened_on=parse_day(get("開始日")),
            persons=persons,
            consultation=consultations[0] if consultations else None,
            risk_level=self.code("risk", get("リスク")) or None,
        )
        for consultation in consultations[1:]:
            case_services.case_link_consultation(
                actor=self.actor, case=case, consultation=consultation
            )
        fields = {}
        if get("多機関協働の開始日"):
            fields["collaboration_started_on"] = parse_day(get("多機関協働の開始日"))
        if get("多機関協働の終了日"):
            fields["collaboration_ended_on"] = parse_day(get("多機関協働の終了日"))
        if fields:
            case = case_services.case_update(actor=self.actor, case=case, **fields)
        # The course and the plans of the case (rows of this file's 支援プラン sheet) in
        # the order they happened: a plan is approved and put in force before the case
        # it belongs to ends, as it was.
        events = []
        for day, status, text in self._course(get):
            events.append((day, 1, len(events), "status", (status, text)))
        plans = self._plans_of(row.key)
        for plan_row in plans:
            for day, act in self._plan_acts(plan_row, case, events):
                events.append((day, 0, len(events), act, plan_row))
        written_plans = {}
        for day, _order, _seq, act, detail in sorted(events, key=lambda e: e[:3]):
            if act == "status":
                status, text = detail
                if status == case.status:
                    continue
                kwargs = {"reason": text if status == CaseStatus.SUSPENDED else ""}
                if status == CaseStatus.CLOSED:
                    kwargs["close_reason_kind"] = self.code("close_reason", text, "other")
                    last = day_or_none(get, "終結日")
                    kwargs["reason"] = get("終結理由の詳細") if day == last else ""
                case = case_services.case_transition(
                    actor=self.actor, case=case, to_status=status, on=day, **kwargs
                )
            else:
                plan = written_plans.get(detail.pk)
                written_plans[detail.pk] = self._plan_act(act, day, detail, case, plan)
                case.refresh_from_db()
        self.remember("case", row.key, case)
        for plan_row in plans:
            self.remember("plan", plan_row.key, written_plans[plan_row.pk])
            self.plans_written.add(plan_row.pk)
        return True

    # -- plans

    def _plans_of(self, case_key: str) -> list:
        """The 支援プラン rows of this batch for a case, without errors, in file order."""
        if self._plan_rows is None:
            self._plan_rows = {}
            for plan_row in self.batch.rows.filter(ledger=ledgers.PLANS, errors=[]).order_by("pk"):
                get = row_getter(ledgers.PLANS, plan_row.values)
                if not self.known("plan", plan_row.key):
                    self._plan_rows.setdefault(get("ケースキー"), []).append(plan_row)
        return self._plan_rows.get(case_key, [])

    def _plan_acts(self, plan_row, case, events) -> list[tuple[dt.date, str]]:
        """(day, act) of a plan: drawn up (with its consent), approved, put in force. A
        plan drawn up but never consented is dated by the case's move to プラン作成."""
        get = row_getter(ledgers.PLANS, plan_row.values)
        consented = day_or_none(get, "同意日")
        approved = day_or_none(get, "承認日")
        activated = day_or_none(get, "実施開始日")
        planning = [e[0] for e in events if e[3] == "status" and e[4][0] == CaseStatus.PLANNING]
        first = consented or approved or activated or (planning[0] if planning else None)
        acts = [(first or case.opened_on, "create")]
        if approved:
            acts.append((approved, "approve"))
        if activated:
            acts.append((activated, "activate"))
        return acts

    def _plan_act(self, act: str, day, plan_row, case, plan):
        get = row_getter(ledgers.PLANS, plan_row.values)
        if act == "create":
            if case.status in (CaseStatus.RECEIVED, CaseStatus.ASSESSMENT):
                # dated as it happened (plan_create would date the move today)
                case_services.case_transition(
                    actor=self.actor, case=case, to_status=CaseStatus.PLANNING, on=day
                )
                case.refresh_from_db()
            plan = case_services.plan_create(
                actor=self.actor,
                case=case,
                person_wishes=get("本人の希望"),
                goals=get("目標"),
                review_on=day_or_none(get, "評価予定日"),
                roles=[
                    {"concern": concern, "agency": self.agencies[name], "method": method}
                    for concern, name, method in parse_roles(get("役割"))
                ],
            )
            if get("同意日"):
                plan = case_services.plan_record_consent(
                    actor=self.actor,
                    plan=plan,
                    consent=self._plan_consent(get),
                    consented_on=parse_day(get("同意日")),
                )
            return plan
        if act == "approve":
            return case_services.plan_approve(
                actor=self.actor, plan=plan, approved_on=day, activate=False
            )
        return case_services.plan_activate(actor=self.actor, plan=plan, on=day)

    def _plan_consent(self, get):
        person = self.get("person", get("同意した人（世帯員キー）"))
        day = parse_day(get("同意日"))
        consent_id = self.keys.get("consent", {}).get(f"{get('同意した人（世帯員キー）')}@{day}")
        consent = (
            Consent.objects.filter(pk=consent_id).first()
            if consent_id
            else Consent.objects.filter(person=person, obtained_on__lte=day)
            .order_by("-obtained_on", "-pk")
            .first()
        )
        if consent is None:
            raise RowFailed(
                _("%(day)s以前の%(name)sさんの本人同意が見つかりません。")
                % {"day": day.isoformat(), "name": person.full_name}
            )
        return consent

    def _write_plans(self, row, get) -> bool:
        """A plan row: written with its case when the case is in the same file; a plan
        of a case imported before is drawn up, approved and put in force now, in that
        order (refused, naming the row, when the case has ended since)."""
        if row.pk in self.plans_written:
            return True
        if self.known("plan", row.key):
            return False
        case = self.get("case", get("ケースキー"))
        plan = None
        for day, act in self._plan_acts(row, case, []):
            plan = self._plan_act(act, day, row, case, plan)
            case.refresh_from_db()
        self.remember("plan", row.key, plan)
        return True

    def _course(self, get) -> list[tuple[dt.date, str, str]]:
        if get("状況の経過"):
            return parse_course(get("状況の経過"))
        if get("終結日"):
            return [(parse_day(get("終結日")), CaseStatus.CLOSED, get("終結理由"))]
        return []

    def _write_records(self, row, get) -> bool:
        if self.known("record", row.key):
            return False
        case = self.get("case", get("ケースキー"))
        staff = self.staff.get(get("対応者")) if get("対応者") else None
        minutes = get("所要時間（分）")
        record = case_services.record_create(
            actor=self.actor,
            case=case,
            agency=self.agency,
            occurred_at=parse_moment(get("日時")),
            kind=self.code("record_kind", get("種別")),
            narrative=get("内容"),
            project=self.code("project", get("事業")) or None,
            minutes=int(minutes) if minutes else None,
            referred_to=get("繋ぎ先（手入力）"),
            staff=staff,
        )
        self.remember("record", row.key, record)
        return True

    def _write_referrals(self, row, get) -> bool:
        if self.known("referral", row.key):
            return False
        case = self.get("case", get("ケースキー"))
        to_agency = self.agencies[get("繋ぎ先")]
        keys = split_list(get("対象者キー"))
        if keys:
            persons = [self.get("person", k) for k in keys]
        else:
            persons = [cp.person for cp in case.case_persons.select_related("person")]
        sent_on = parse_day(get("送付日"))
        sent_at = timezone.make_aware(dt.datetime.combine(sent_on, dt.time(9, 0)))
        if sent_at > timezone.now():
            sent_at = timezone.now()
        # A referral the ledger shows answered or ended was dealt with outside the
        # system: nobody is notified of it or of its past steps. One still awaiting
        # the answer tells the receiving agency as a sent referral does (it must answer
        # it here).
        answered = any(get(h) for h in ("受理日", "辞退日", "対応開始日", "完了日", "取消日"))
        basis = get("根拠")
        kwargs = {"notify_receiver": not answered}
        if basis == ledgers.CONSENT_BASIS:
            consent = sharing.covering_consents(case, to_agency).first()
            kwargs["consent"] = consent
        else:
            kwargs["exemption_reason"] = ledgers.exemption_map()[basis]
            kwargs["exemption_note"] = get("例外の理由")
        referral = referral_services.referral_send(
            actor=self.actor,
            case=case,
            to_agency=to_agency,
            persons=persons,
            reason=get("繋ぐ理由"),
            request=get("依頼したいこと"),
            scope="summary",
            sent_at=sent_at,
            **kwargs,
        )
        steps = [
            ("受理日", ReferralStatus.ACCEPTED, ""),
            ("辞退日", ReferralStatus.DECLINED, get("辞退の理由")),
            ("対応開始日", ReferralStatus.IN_PROGRESS, ""),
            ("完了日", ReferralStatus.COMPLETED, ""),
            ("取消日", ReferralStatus.CANCELLED, ""),
        ]
        for header, status, note in steps:
            if get(header):
                # The receiver's answer, recorded by the importing desk: system=True
                # lets the desk record the other side's step (history names the
                # importing user; the ReferralEvent keeps the day it happened).
                referral = referral_services.referral_transition(
                    actor=self.actor,
                    referral=referral,
                    to_status=status,
                    note=note,
                    system=True,
                    on=parse_day(get(header)),
                    notify_parties=False,
                )
        self.remember("referral", row.key, referral)
        return True
