"""Writing checked rows through the other apps' services (DESIGN: imports writes only
through them), as the importing user, so history names them and every rule of those
services holds (consent for referrals, 住所秘匿, the lead's grants, …).

Each row is written once: the keys it makes are stored in SourceKey, and a row whose
key is there already is left alone (a second import of the same file changes nothing).
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Agency, Membership
from cases import services as case_services
from cases import sharing
from cases.choices import CasePersonRole, CaseStatus
from cases.models import Case, SupportPlan
from households import services as household_services
from households.models import Consent, District, Household, HouseholdMembership, Person
from imports import ledgers
from imports.ledgers import BY_CODE
from imports.models import Decision, SourceKey
from imports.reader import (
    parse_course,
    parse_day,
    parse_moment,
    parse_roles,
    split_list,
    split_names,
)
from intake import services as intake_services
from intake.models import Consultation, ConsultationCategory
from referrals import services as referral_services
from referrals.choices import ReferralStatus

MODELS = {
    "household": Household,
    "person": Person,
    "membership": HouseholdMembership,
    "consent": Consent,
    "consultation": Consultation,
    "case": Case,
    "plan": SupportPlan,
}


class RowFailed(Exception):
    """A service refused the row; the message is Japanese."""


def _message(exc) -> str:
    messages = getattr(exc, "messages", None)
    if messages:
        return " ".join(str(m) for m in messages)
    return str(exc) or exc.__class__.__name__


class Writer:
    def __init__(self, *, batch, actor):
        self.batch = batch
        self.actor = actor
        self.agency = batch.agency
        self.keys: dict[str, dict[str, int]] = {}
        for kind, key, object_id in SourceKey.objects.filter(agency=self.agency).values_list(
            "kind", "key", "object_id"
        ):
            self.keys.setdefault(kind, {})[key] = object_id
        self.cache: dict[tuple[str, int], object] = {}
        self.categories = {c.name: c for c in ConsultationCategory.objects.all()}
        self.agencies = {a.name: a for a in Agency.objects.all()}
        self.districts = {d.name: d for d in District.objects.all()}
        self.staff = {}
        for m in Membership.objects.filter(agency=self.agency, is_active=True).select_related(
            "user"
        ):
            self.staff[m.user.username] = m.user
            self.staff[str(m.user)] = m.user
        self.picks = {name: ledgers.label_map(name) for name in ledgers.PICK_LISTS}
        self._plan_rows = None  # case key -> its 支援プラン rows of this batch
        self.journal: list[tuple[str, str]] = []  # keys remembered, in order
        self.plans_written: set[int] = set()  # plan rows written with their case

    # -- keys

    def known(self, kind: str, key: str) -> bool:
        return key in self.keys.get(kind, {})

    def remember(self, kind: str, key: str, obj) -> None:
        SourceKey.objects.create(
            agency=self.agency, kind=kind, key=key, object_id=obj.pk, batch=self.batch
        )
        self.keys.setdefault(kind, {})[key] = obj.pk
        self.cache[(kind, obj.pk)] = obj
        self.journal.append((kind, key))

    def mark(self) -> int:
        """Where the journal of remembered keys stands (before a row's savepoint)."""
        return len(self.journal)

    def forget_since(self, mark: int) -> None:
        """The row's savepoint was rolled back: forget the keys it remembered, so a
        later row referring to them is refused by name, not by a missing object."""
        while len(self.journal) > mark:
            kind, key = self.journal.pop()
            self.keys.get(kind, {}).pop(key, None)
        self.cache.clear()

    def get(self, kind: str, key: str):
        object_id = self.keys.get(kind, {}).get(key)
        if object_id is None:
            raise RowFailed(_("キー「%(key)s」が見つかりません。") % {"key": key})
        obj = self.cache.get((kind, object_id))
        if obj is None:
            obj = MODELS[kind].objects.get(pk=object_id)
            self.cache[(kind, object_id)] = obj
        return obj

    def code(self, pick: str, label: str, default: str = "") -> str:
        return self.picks[pick].get(label, default) if label else default

    # -- a row

    def write(self, row) -> bool:
        """Write the row; False when its key was imported already (nothing done)."""
        headers = BY_CODE[row.ledger].headers
        values = dict(zip(headers, row.values, strict=False))
        return getattr(self, f"_write_{row.ledger}")(row, values.get)

    def _write_households(self, row, get) -> bool:
        hkey, pkey = get("世帯キー"), get("世帯員キー")
        if self.known("membership", row.key):
            return False
        if not self.known("household", hkey):
            district = self.districts.get(get("行政区")) if get("行政区") else None
            household = household_services.household_create(
                actor=self.actor,
                agency=self.agency,
                name=get("世帯の呼び名"),
                postal_code=get("郵便番号"),
                address=get("住所"),
                phone=get("電話"),
                district=district,
                is_address_confidential=get("住所秘匿") == "はい",
            )
            self.remember("household", hkey, household)
        household = self.get("household", hkey)
        relationship = self.code("relationship", get("続柄"))
        since = parse_day(get("加入日")) if get("加入日") else None
        membership = None
        if not self.known("person", pkey):
            if row.decision == Decision.SAME and row.candidate_person_id:
                person = Person.objects.get(pk=row.candidate_person_id)
                self.remember("person", pkey, person)
            elif row.decision == Decision.SAME and row.candidate_key:
                person = self.get("person", row.candidate_key)
                self.remember("person", pkey, person)
            else:
                person = household_services.person_add_to_household(
                    actor=self.actor,
                    agency=self.agency,
                    household=household,
                    relationship=relationship,
                    since=since,
                    family_name=get("姓"),
                    given_name=get("名"),
                    family_name_kana=get("せい（ふりがな）"),
                    given_name_kana=get("めい（ふりがな）"),
                    birth_date=parse_day(get("生年月日")) if get("生年月日") else None,
                    sex=self.code("sex", get("性別"), "unknown"),
                )
                self.remember("person", pkey, person)
                membership = person.household_memberships.get(
                    household=household, until__isnull=True
                )
        else:
            person = self.get("person", pkey)
            if person.household_memberships.filter(
                household=household, until__isnull=True
            ).exists():
                membership = None  # "same person" already living there: nothing to join
            else:
                membership = household_services.membership_create(
                    actor=self.actor,
                    household=household,
                    person=person,
                    relationship=relationship,
                    since=since,
                )
        if membership is not None:
            if get("離脱日"):
                membership = household_services.membership_update(
                    actor=self.actor, membership=membership, until=parse_day(get("離脱日"))
                )
            self.remember("membership", row.key, membership)
        else:
            SourceKey.objects.create(
                agency=self.agency, kind="membership", key=row.key, object_id=0, batch=self.batch
            )
            self.keys.setdefault("membership", {})[row.key] = 0
            self.journal.append(("membership", row.key))
        self._write_consent(get, pkey, person)
        return True

    def _write_consent(self, get, pkey: str, person) -> None:
        if get("同意日"):
            obtained = parse_day(get("同意日"))
            consent_key = f"{pkey}@{obtained.isoformat()}"
            if not self.known("consent", consent_key):
                consent = household_services.consent_record(
                    actor=self.actor,
                    person=person,
                    agencies=[
                        self.agencies[n] for n in split_names(get("同意の共有先"), self.agencies)
                    ],
                    purpose=get("同意の目的") or _("支援のための関係機関との情報共有"),
                    method=self.code("consent_method", get("同意の方法")),
                    obtained_on=obtained,
                )
                self.remember("consent", consent_key, consent)

    # -- many rows of the 世帯・世帯員 ledger at once

    def snapshot(self):
        return {kind: dict(keys) for kind, keys in self.keys.items()}

    def restore(self, snapshot) -> None:
        """After a chunk's savepoint was rolled back: forget what it remembered."""
        self.keys = snapshot
        self.cache.clear()
        self.journal.clear()  # the snapshot covers what came before

    def remember_many(self, kind: str, pairs: list[tuple[str, object]]) -> None:
        SourceKey.objects.bulk_create(
            [
                SourceKey(
                    agency=self.agency, kind=kind, key=key, object_id=obj.pk, batch=self.batch
                )
                for key, obj in pairs
            ],
            batch_size=1000,
        )
        for key, obj in pairs:
            self.keys.setdefault(kind, {})[key] = obj.pk
            self.cache[(kind, obj.pk)] = obj

    def write_households_bulk(self, rows) -> dict[int, bool]:
        """The rows (of the 世帯・世帯員 ledger, without errors, in file order) at once:
        new households and new persons through the households bulk services, the
        rest (a person already imported or judged the same as a registered one, a
        repeated person key) row by row after them, as write() would. Returns
        {row pk: written}. Raises like write(); the caller rolls the chunk back and
        writes it again row by row to name the failing row."""
        headers = BY_CODE[ledgers.HOUSEHOLDS].headers
        gets = {row.pk: dict(zip(headers, row.values, strict=False)).get for row in rows}
        done: dict[int, bool] = {}
        households: dict[str, Household] = {}
        for row in rows:
            get = gets[row.pk]
            hkey = get("世帯キー")
            if self.known("membership", row.key) or self.known("household", hkey):
                continue
            if hkey not in households:
                households[hkey] = Household(
                    name=get("世帯の呼び名"),
                    postal_code=get("郵便番号"),
                    address=get("住所"),
                    phone=get("電話"),
                    district=self.districts.get(get("行政区")) if get("行政区") else None,
                    is_address_confidential=get("住所秘匿") == "はい",
                )
        if households:
            household_services.household_create_bulk(
                actor=self.actor, agency=self.agency, households=list(households.values())
            )
            self.remember_many("household", list(households.items()))
        members, bulk_rows, rest, seen = [], [], [], set()
        for row in rows:
            get = gets[row.pk]
            pkey = get("世帯員キー")
            same = row.decision == Decision.SAME and (row.candidate_person_id or row.candidate_key)
            if (
                self.known("membership", row.key)
                or self.known("person", pkey)
                or same
                or pkey in seen
                or row.key in seen
            ):
                seen.update((pkey, row.key))
                rest.append(row)
                continue
            seen.update((pkey, row.key))
            members.append(
                household_services.NewMember(
                    household=self.get("household", get("世帯キー")),
                    person=Person(
                        family_name=get("姓"),
                        given_name=get("名"),
                        family_name_kana=get("せい（ふりがな）"),
                        given_name_kana=get("めい（ふりがな）"),
                        birth_date=parse_day(get("生年月日")) if get("生年月日") else None,
                        sex=self.code("sex", get("性別"), "unknown"),
                    ),
                    relationship=self.code("relationship", get("続柄")),
                    since=parse_day(get("加入日")) if get("加入日") else None,
                    until=parse_day(get("離脱日")) if get("離脱日") else None,
                )
            )
            bulk_rows.append(row)
        if members:
            household_services.person_add_to_household_bulk(
                actor=self.actor, agency=self.agency, members=members
            )
            self.remember_many(
                "person",
                [
                    (gets[r.pk]("世帯員キー"), m.person)
                    for r, m in zip(bulk_rows, members, strict=True)
                ],
            )
            self.remember_many(
                "membership",
                [(r.key, m.membership) for r, m in zip(bulk_rows, members, strict=True)],
            )
            for row, member in zip(bulk_rows, members, strict=True):
                get = gets[row.pk]
                self._write_consent(get, get("世帯員キー"), member.person)
                done[row.pk] = True
        for row in rest:
            done[row.pk] = self._write_households(row, gets[row.pk])
        return done

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
                    last = parse_day(get("終結日")) if get("終結日") else None
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
            headers = BY_CODE[ledgers.PLANS].headers
            for plan_row in self.batch.rows.filter(ledger=ledgers.PLANS, errors=[]).order_by("pk"):
                get = dict(zip(headers, plan_row.values, strict=False)).get
                if not self.known("plan", plan_row.key):
                    self._plan_rows.setdefault(get("ケースキー"), []).append(plan_row)
        return self._plan_rows.get(case_key, [])

    def _plan_get(self, plan_row):
        return dict(zip(BY_CODE[ledgers.PLANS].headers, plan_row.values, strict=False)).get

    def _plan_acts(self, plan_row, case, events) -> list[tuple[dt.date, str]]:
        """(day, act) of a plan: drawn up (with its consent), approved, put in force. A
        plan drawn up but never consented is dated by the case's move to プラン作成."""
        get = self._plan_get(plan_row)
        consented = parse_day(get("同意日")) if get("同意日") else None
        approved = parse_day(get("承認日")) if get("承認日") else None
        activated = parse_day(get("実施開始日")) if get("実施開始日") else None
        planning = [e[0] for e in events if e[3] == "status" and e[4][0] == CaseStatus.PLANNING]
        first = consented or approved or activated or (planning[0] if planning else None)
        acts = [(first or case.opened_on, "create")]
        if approved:
            acts.append((approved, "approve"))
        if activated:
            acts.append((activated, "activate"))
        return acts

    def _plan_act(self, act: str, day, plan_row, case, plan):
        get = self._plan_get(plan_row)
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
                review_on=parse_day(get("評価予定日")) if get("評価予定日") else None,
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
        self.cache[("referral", referral.pk)] = referral
        SourceKey.objects.create(
            agency=self.agency,
            kind="referral",
            key=row.key,
            object_id=referral.pk,
            batch=self.batch,
        )
        self.keys.setdefault("referral", {})[row.key] = referral.pk
        self.journal.append(("referral", row.key))
        return True
