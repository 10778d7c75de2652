"""The sharing policy as a small model: DESIGN.md "Who may see what", read as a spec.

Written apart from cases.sharing and households/access.py and sharing no code with
them (no Django either): it is told the facts (who works where, which consents, which
referrals, shares, plans, meetings and surveys exist) and answers, for a user and a
page, whether the page opens and which kinds of content it may show:

    "title"        the case's name and what a summary shows
    "records"      支援経過 and plans (RECORDS scope and more)
    "whereabouts"  address and phone (住所秘匿 hides them)

and, on a meeting page, whose agenda items (case title and brief) the user reads.
It also says which actions the rules allow (may_*), and what follows from closing and
reopening a case.

tests/policy/test_policy_machine.py mirrors every action into a World and compares the
pages with these answers.

Readings where DESIGN.md leaves a choice are marked READING; each says which sentence it
reads and how.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Scopes, smallest first (a grant opens its scope and every smaller one).
NONE, SUMMARY, RECORDS, FULL, LEAD = 0, 1, 2, 3, 4
SCOPES = {"summary": SUMMARY, "records": RECORDS, "full": FULL}
CASE_ROLES = {"counselor", "coordinator", "manager", "partner_staff"}
OPEN_REFERRAL = {"sent", "accepted", "in_progress"}
GRANTED_REFERRAL = {"accepted", "in_progress"}
REFERRAL_MOVES = {  # (from, to): the side that may make the move
    ("sent", "accepted"): "receiver",
    ("sent", "declined"): "receiver",
    ("sent", "cancelled"): "sender",
    ("accepted", "in_progress"): "receiver",
    ("accepted", "cancelled"): "sender",
    ("in_progress", "completed"): "receiver",
    ("in_progress", "cancelled"): "sender",
}


@dataclass
class Agency:
    key: str
    is_desk: bool = False
    active: bool = True


@dataclass
class User:
    key: str
    memberships: dict[str, str] = field(default_factory=dict)  # agency -> role (active ones)
    active: bool = True
    administrator: bool = False


@dataclass
class Household:
    key: str
    registrar: str
    secret: bool = False  # 住所秘匿


@dataclass
class Consent:
    key: str
    household: str
    agencies: frozenset[str]
    obtained: int  # days, on the World's clock
    expires: int | None = None
    withdrawn: int | None = None

    def valid(self, today: int) -> bool:
        if self.withdrawn is not None and self.withdrawn <= today:
            return False
        if self.expires is not None and self.expires < today:
            return False
        return self.obtained <= today


@dataclass
class Case:
    key: str
    household: str
    lead: str
    open: bool = True
    staff: str = ""  # the persona who is its lead staff (主担当)
    papers_withdrawn: bool = False  # its scanned paper was withdrawn (取り消し)


@dataclass
class Referral:
    key: str
    case: str
    sender: str
    receiver: str
    scope: int
    consent: str | None  # None: a legal exemption recorded with its reason
    state: str = "sent"


@dataclass
class Share:  # 共有 from the case page: on a consent or a legal exemption
    key: str
    case: str
    agency: str
    scope: int
    consent: str | None
    ended: bool = False
    paused: bool = False  # ended by the case's closing, until it is reopened


@dataclass
class Plan:
    key: str
    case: str
    roles: frozenset[str]
    consent: str
    active: bool = True


@dataclass
class Meeting:
    key: str
    support: bool  # True: 支援会議 (社会福祉法106条の6); False: 重層的支援会議
    organiser: str
    chair: str
    members: dict[str, tuple[str, bool]] = field(default_factory=dict)  # user -> (agency, ack)
    agenda: list[str] = field(default_factory=list)  # case keys
    cancelled: bool = False


@dataclass
class Survey:  # 世帯訪問調査
    key: str
    visitors: frozenset[str]
    households: set[str] = field(default_factory=set)  # its visit rows


@dataclass(frozen=True)
class Verdict:
    visible: bool
    shows: frozenset[str] = frozenset()


HIDDEN = Verdict(False)


@dataclass
class World:
    today: int = 0
    agencies: dict[str, Agency] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    households: dict[str, Household] = field(default_factory=dict)
    consents: dict[str, Consent] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    referrals: dict[str, Referral] = field(default_factory=dict)
    shares: dict[str, Share] = field(default_factory=dict)
    plans: dict[str, Plan] = field(default_factory=dict)
    meetings: dict[str, Meeting] = field(default_factory=dict)
    surveys: dict[str, Survey] = field(default_factory=dict)

    # ------------------------------------------------------------ who works where

    def agencies_of(self, user: str) -> set[str]:
        """The agencies whose case files the user reads through: active memberships of
        an active user at active agencies, for case workers only. Administrators hold
        no membership; managers see case contents only through their membership."""
        u = self.users[user]
        live = {a: role for a, role in u.memberships.items() if self.agencies[a].active}
        if not u.active or not set(live.values()) & CASE_ROLES:
            return set()
        return set(live)

    def is_desk_staff(self, user: str) -> bool:
        u = self.users[user]
        return any(
            self.agencies[a].is_desk and role in CASE_ROLES
            for a, role in u.memberships.items()
            if a in self.agencies_of(user)
        )

    # ------------------------------------------------------------ bases

    def covers(self, consent: str | None, agency: str, case: str) -> bool:
        """A recorded basis stands: a legal exemption (consent None), or a consent of
        the case's household, valid today, naming the agency."""
        if consent is None:
            return True
        c = self.consents[consent]
        return (
            c.valid(self.today)
            and agency in c.agencies
            and c.household == self.cases[case].household
        )

    def any_consent_covers(self, case: str, agency: str) -> bool:
        return any(self.covers(k, agency, case) for k in self.consents)

    def agency_scope(self, agency: str, case: str) -> int:
        """The widest of the agency's live bases on the case."""
        c = self.cases[case]
        if c.lead == agency:
            return LEAD
        referrals = [
            r.scope
            for r in self.referrals.values()
            if r.case == case
            and r.receiver == agency
            and r.state in GRANTED_REFERRAL
            and self.covers(r.consent, agency, case)
        ]
        shares = [
            s.scope
            for s in self.shares.values()
            if s.case == case
            and s.agency == agency
            and not (s.ended or s.paused)
            and self.covers(s.consent, agency, case)
        ]
        plan_roles = [
            RECORDS
            for p in self.plans.values()
            if p.case == case
            and p.active
            and agency in p.roles
            and self.covers(p.consent, agency, case)
        ]
        return max([NONE, *referrals, *shares, *plan_roles])

    def scope(self, user: str, case: str) -> int:
        return max((self.agency_scope(a, case) for a in self.agencies_of(user)), default=NONE)

    def leads(self, household: str) -> set[str]:
        """住所秘匿: "hidden from everyone but the lead agency". READING: the lead agencies
        of the household's cases, and the agency that registered it (it wrote them)."""
        leads = {c.lead for c in self.cases.values() if c.household == household}
        return leads | {self.households[household].registrar}

    def whereabouts(self, user: str, household: str) -> bool:
        if not self.households[household].secret:
            return True
        return bool(self.agencies_of(user) & self.leads(household))

    # ------------------------------------------------------------ what may be done

    def may_open_case(self, user: str, household: str) -> bool:
        """Opening a case makes the agency its lead, which shows 秘匿 whereabouts: so it is
        no way around them. The household must be one the user may see."""
        return self.household_page(user, household).visible and self.whereabouts(user, household)

    def may_refer(self, case: str, receiver: str, consent: str | None, *, actor: str) -> bool:
        """The lead agency refers, on a consent naming the receiver or an exemption."""
        c = self.cases[case]
        if c.lead not in self.agencies_of(actor):
            return False
        if receiver == c.lead or not self.agencies[receiver].active:
            return False
        if any(
            r.case == case and r.receiver == receiver and r.state in OPEN_REFERRAL
            for r in self.referrals.values()
        ):
            return False
        return self.covers(consent, receiver, case)

    def may_move_referral(self, referral: str, to: str, user: str) -> bool:
        r = self.referrals[referral]
        side = REFERRAL_MOVES.get((r.state, to))
        if side is None:
            return False
        if (r.sender if side == "sender" else r.receiver) not in self.agencies_of(user):
            return False
        return to != "accepted" or self.covers(r.consent, r.receiver, r.case)

    def may_share(self, case: str, agency: str, consent: str | None) -> bool:
        return agency != self.cases[case].lead and self.covers(consent, agency, case)

    def may_approve_plan(self, case: str, roles: frozenset[str], consent: str) -> bool:
        """A plan needs the person's valid consent, naming every role agency but the lead.
        READING: an ended case takes no plan in force (closing ended it)."""
        c = self.consents[consent]
        if not self.cases[case].open:
            return False
        if not c.valid(self.today) or c.household != self.cases[case].household:
            return False
        return all(self.covers(consent, a, case) for a in roles - {self.cases[case].lead})

    def may_refer_to_desk(self, user: str, agency: str, basis: bool) -> bool:
        """A partner passes a person's story to the desk only on a recorded basis (the
        person's consent, or a legal exemption with its reason)."""
        return agency in self.agencies_of(user) and basis

    def may_join_meeting(self, meeting: str, user: str, agency: str) -> bool:
        m = self.meetings[meeting]
        if m.cancelled or user in m.members or agency not in self.agencies_of(user):
            return False
        return m.support or all(self._at_table(case, agency) for case in m.agenda)

    def may_put_on_agenda(self, meeting: str, case: str, actor: str) -> bool:
        """支援会議: without consent. Other kinds: every agency at the table is covered."""
        m = self.meetings[meeting]
        if m.cancelled or case in m.agenda or self.scope(actor, case) < SUMMARY:
            return False
        if m.support:
            return True
        household = self.cases[case].household
        if not any(
            c.household == household and c.valid(self.today) for c in self.consents.values()
        ):
            return False
        table = {m.organiser} | {a for a, _ack in m.members.values()}
        return all(self._at_table(case, a) for a in table)

    def _at_table(self, case: str, agency: str) -> bool:
        return agency == self.cases[case].lead or self.any_consent_covers(case, agency)

    def may_change_membership(
        self, actor: str, user: str, agency: str, *, ending: bool = False
    ) -> bool:
        """Nobody grants themselves access: memberships are given by the agency's manager
        in the app, never by the user concerned; administrators read no case, so their
        accounts hold none. A membership ends only once its holder leads no open case
        there (the cases are handed over first: daily work, 引継ぎ)."""
        if actor == user or self.users[user].administrator:
            return False
        if agency not in self.agencies_of(actor):
            return False
        if ending and self.leads_open_case(user, agency):
            return False
        return self.users[actor].memberships[agency] == "manager"

    def leads_open_case(self, user: str, agency: str | None = None) -> bool:
        """Whether the user is the lead staff of an open case (of the agency's)."""
        return any(
            c.open and c.staff == user and (agency is None or c.lead == agency)
            for c in self.cases.values()
        )

    # ------------------------------------------------------------ consequences

    def close_case(self, case: str) -> None:
        """Closing a case ends the plan and the grants that rested on it. READING: the
        plan's role grants and the direct shares (they served the case's support); an
        accepted referral is its own basis and ends with its referral."""
        self.cases[case].open = False
        for p in self.plans.values():
            if p.case == case:
                p.active = False
        for s in self.shares.values():
            if s.case == case and not s.ended:
                s.paused = True

    def reopen_case(self, case: str) -> None:
        """Reopening restores only what the recorded bases still allow: a share on a
        consent that still covers its agency. READING: a legal exemption was judged for
        its moment and is recorded again; a closed plan stays closed."""
        self.cases[case].open = True
        for s in self.shares.values():
            if s.case == case and s.paused:
                s.paused = False
                s.ended = s.consent is None or not self.covers(s.consent, s.agency, case)

    # ------------------------------------------------------------ pages

    def case_page(self, user: str, case: str) -> Verdict:
        s = self.scope(user, case)
        if s < SUMMARY:
            return HIDDEN
        shows = {"title"}
        if s >= RECORDS:
            shows.add("records")
        if self.whereabouts(user, self.cases[case].household):
            shows.add("whereabouts")
        return Verdict(True, frozenset(shows))

    def case_export(self, user: str, case: str) -> Verdict:
        """支援経過 and plan PDFs: the records."""
        page = self.case_page(user, case)
        return page if "records" in page.shows else HIDDEN

    def household_page(self, user: str, household: str) -> Verdict:
        """READING (DESIGN is silent on the household page): the registering agency, and
        agencies reading the records of one of its cases."""
        mine = self.agencies_of(user)
        h = self.households[household]
        cases = [c.key for c in self.cases.values() if c.household == household]
        if h.registrar not in mine and not any(
            self.agency_scope(a, c) >= RECORDS for a in mine for c in cases
        ):
            return HIDDEN
        shows = {"whereabouts"} if self.whereabouts(user, household) else set()
        return Verdict(True, frozenset(shows))

    def household_titles(self, user: str, household: str) -> set[str]:
        """The household page lists the cases the user sees."""
        if not self.household_page(user, household).visible:
            return set()
        return {
            c.key
            for c in self.cases.values()
            if c.household == household and self.scope(user, c.key) >= SUMMARY
        }

    def household_edit(self, user: str, household: str) -> Verdict:
        """Editing shows the address: the registering agency and lead agencies, and
        never past 住所秘匿."""
        h = self.households[household]
        editors = {h.registrar} | {c.lead for c in self.cases.values() if c.household == household}
        if not (self.agencies_of(user) & editors) or not self.whereabouts(user, household):
            return HIDDEN
        return Verdict(True, frozenset({"whereabouts"}))

    def referral_page(self, user: str, referral: str) -> Verdict:
        """The two agencies a referral joins; the receiver sees its contents only while
        its basis stands."""
        r = self.referrals[referral]
        mine = self.agencies_of(user)
        if not mine & {r.sender, r.receiver}:
            return HIDDEN
        if r.sender in mine or self.covers(r.consent, r.receiver, r.case):
            return Verdict(True, frozenset({"title"}))
        return Verdict(True)

    def meeting_page(self, user: str, meeting: str) -> Verdict:
        m = self.meetings[meeting]
        mine = self.agencies_of(user)
        organiser = m.organiser in mine or (user == m.chair and bool(mine))
        member = user in m.members and bool(mine)
        return Verdict(organiser or member)

    def reads_agenda(self, user: str, meeting: str) -> bool:
        """Organisers read the agenda; a 支援会議 member once 守秘義務 is acknowledged;
        a member of another kind at once. READING: a cancelled meeting shares nothing
        more with its members (its grants are revoked on cancelling)."""
        m = self.meetings[meeting]
        mine = self.agencies_of(user)
        if m.organiser in mine or (user == m.chair and mine):
            return True
        if user not in m.members or not mine or m.cancelled:
            return False
        return m.members[user][1] or not m.support

    def agenda_cases(self, user: str, meeting: str) -> set[str]:
        """The cases whose title and brief the user reads on the meeting page. READING:
        on a consent-based meeting the brief of a case is a consent-based share, so it
        stops when no valid consent covers the reader's agency ("Withdrawn or expired
        consent revokes those grants")."""
        if not self.reads_agenda(user, meeting):
            return set()
        m = self.meetings[meeting]
        if m.support:
            return set(m.agenda)
        mine = self.agencies_of(user)
        if user in m.members and m.organiser not in mine:
            mine = {m.members[user][0]} & mine
        return {c for c in m.agenda if any(self._at_table(c, a) for a in mine)}

    def survey_page(self, user: str, survey: str) -> Verdict:
        """Desk staff and the visiting agencies' staff; 住所秘匿 as everywhere."""
        s = self.surveys[survey]
        if not (self.is_desk_staff(user) or self.agencies_of(user) & s.visitors):
            return HIDDEN
        return Verdict(True)

    def survey_whereabouts(self, user: str, survey: str) -> set[str]:
        if not self.survey_page(user, survey).visible:
            return set()
        return {h for h in self.surveys[survey].households if self.whereabouts(user, h)}
