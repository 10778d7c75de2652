"""The fixed set of pages the policy machine requests, what the oracle expects on each,
and the comparison (a mixin of tests/policy/test_policy_machine.PolicyMachine).

Each page is judged per persona as (opens, {marker: shown}); every marker of the world
that the judgement does not name must be absent.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from tests.policy.harness import fetch, marker


@dataclass
class Spec:
    """One page of the fixed set: judge(persona) -> (opens, {marker: shown})."""

    kind: str
    url: str
    judge: object
    tags: frozenset
    primary: bool = False
    htmx: bool = False


def _marker_kind(m: str) -> str:
    kinds = {
        "ADR": "address",
        "TEL": "phone",
        "TTL": "case title",
        "REC": "support record",
        "ATT": "case attachment",
    }
    return kinds.get(m[2:5], "agenda brief")


class PageChecks:
    """Needs the machine's w (the oracle's World), cases, households, referrals,
    meetings, surveys, visits, plans, client, touched, seen and focus."""

    def pages(self):
        """Every page of the fixed set, for the objects that exist now."""
        w = self.w
        for key, case in self.cases.items():
            hh = w.cases[key].household
            tags = frozenset({key, hh})
            title, rec = marker("TTL", key[1:]), marker("REC", key[1:])
            att = marker("ATT", key[1:])
            adr, tel = marker("ADR", hh[1:]), marker("TEL", hh[1:])

            def case_page(user, key=key, title=title, rec=rec, att=att, adr=adr, tel=tel):
                v = w.case_page(user, key)
                where = "whereabouts" in v.shows
                records = "records" in v.shows
                # The case file's papers (the 添付ファイル section and the timeline): read
                # with the records, and under 住所秘匿 only by those who see the address;
                # a withdrawn one (取り消し) is named to nobody.
                papers = records and where and not w.cases[key].papers_withdrawn
                return v.visible, {
                    title: v.visible,
                    rec: records,
                    att: papers,
                    adr: where,
                    tel: where,
                }

            def timeline(user, key=key, rec=rec, att=att):
                v = w.case_page(user, key)
                records = "records" in v.shows
                papers = records and "whereabouts" in v.shows
                return v.visible, {rec: records, att: papers and not w.cases[key].papers_withdrawn}

            def export(user, key=key, title=title, rec=rec, adr=adr, with_records=True):
                v = w.case_export(user, key)
                out = {title: v.visible, adr: "whereabouts" in v.shows}
                if with_records:
                    out[rec] = v.visible
                return v.visible, out

            yield Spec("case page", f"/cases/{case.pk}/", case_page, tags, primary=True)
            yield Spec("case timeline", f"/cases/{case.pk}/timeline/", timeline, tags, htmx=True)
            yield Spec("支援経過 PDF", f"/cases/{case.pk}/records.pdf", export, tags)
            plans = [k for k, p in w.plans.items() if p.case == key]
            if plans:
                url = f"/cases/{case.pk}/plans/{self.plans[plans[-1]].pk}.pdf"
                yield Spec("plan PDF", url, functools.partial(export, with_records=False), tags)
        for hh, household in self.households.items():
            adr, tel = marker("ADR", hh[1:]), marker("TEL", hh[1:])
            mine = [c for c in w.cases if w.cases[c].household == hh]

            def household_page(user, hh=hh, adr=adr, tel=tel, mine=mine):
                v = w.household_page(user, hh)
                where = "whereabouts" in v.shows
                titles = w.household_titles(user, hh)
                out = {marker("TTL", c[1:]): c in titles for c in mine}
                return v.visible, {**out, adr: where, tel: where}

            def household_edit(user, hh=hh, adr=adr, tel=tel):
                v = w.household_edit(user, hh)
                return v.visible, {adr: v.visible, tel: v.visible}

            tags = frozenset({hh, *mine})
            url = f"/households/{household.pk}/"
            yield Spec("household page", url, household_page, tags, primary=True)
            yield Spec("household edit", f"{url}edit/", household_edit, tags)
        for key, referral in self.referrals.items():
            case = w.referrals[key].case
            title = marker("TTL", case[1:])

            def referral_page(user, key=key, title=title):
                v = w.referral_page(user, key)
                return v.visible, {title: "title" in v.shows}

            tags = frozenset({key, case, w.cases[case].household})
            yield Spec("referral page", f"/referrals/{referral.pk}/", referral_page, tags, True)
        for key, meeting in self.meetings.items():
            agenda = list(w.meetings[key].agenda)

            def meeting_page(user, key=key, agenda=agenda):
                v = w.meeting_page(user, key)
                readable = w.agenda_cases(user, key) if v.visible else set()
                out = {marker("BRF", key + c): c in readable for c in agenda}
                out.update({marker("TTL", c[1:]): c in readable for c in agenda})
                return v.visible, out

            tags = frozenset({key, *agenda, *(w.cases[c].household for c in agenda)})
            yield Spec("meeting page", f"/meetings/{meeting.pk}/", meeting_page, tags, True)
        for key, campaign in self.surveys.items():
            rows = sorted(w.surveys[key].households)

            def survey_page(user, key=key, rows=rows):
                v = w.survey_page(user, key)
                seen = w.survey_whereabouts(user, key)
                return v.visible, {marker("ADR", h[1:]): h in seen for h in rows}

            url = f"/outreach/campaigns/{campaign.pk}/"
            yield Spec("survey page", url, survey_page, frozenset({key, *rows}), primary=True)
            for hh in rows:

                def visit_page(user, key=key, hh=hh):
                    v = w.survey_page(user, key)
                    shown = hh in w.survey_whereabouts(user, key)
                    return v.visible, {marker("ADR", hh[1:]): shown}

                visit_url = f"{url}visits/{self.visits[hh]}/"
                yield Spec("survey visit page", visit_url, visit_page, frozenset({key, hh}))

    def all_markers(self) -> list[str]:
        out = set()
        for hh in self.households:
            out |= {marker("ADR", hh[1:]), marker("TEL", hh[1:])}
        for c in self.cases:
            out |= {marker("TTL", c[1:]), marker("REC", c[1:]), marker("ATT", c[1:])}
        for m in self.w.meetings:
            out |= {marker("BRF", m + c) for c in self.cases}
        return sorted(out)

    def compare_pages(self, *, full: bool) -> list[tuple[tuple, str]]:
        focus = self.focus
        if focus is not None and focus[0] == "action":
            return []
        everything = self.all_markers()
        found = []
        for spec in self.pages():
            if focus is not None and spec.kind != focus[0]:
                continue
            touched = "*" in self.touched or bool(spec.tags & self.touched)
            for persona in self.user if focus is None else [focus[1]]:
                visible, expected = spec.judge(persona)
                verdict = (visible, tuple(sorted(expected.items())))
                changed = self.seen.get((spec.url, persona)) != verdict
                if not (full or (spec.primary and touched) or changed):
                    continue
                self.seen[(spec.url, persona)] = verdict
                page = fetch(self.client[persona], spec.url, htmx=spec.htmx)
                found += self._compare(spec, persona, page, visible, expected, everything)
        return found

    def _compare(self, spec, persona, page, visible, expected, everything):
        where = f"{spec.kind} {spec.url} as {persona}"
        denied = page.status == 404 or (page.status == 302 and not self.w.users[persona].active)
        if page.status != 200 and not denied:
            sig = (spec.kind, persona, "status", str(page.status))
            return [(sig, f"{where}: status {page.status} {page.location}")]
        found = []
        if visible != (page.status == 200):
            got = "opens" if page.status == 200 else "404"
            said = "200" if visible else "404"
            found.append(((spec.kind, persona, got), f"{where}: {got}, the oracle says {said}"))
        for m in everything:
            want, got = expected.get(m, False), m in page.text
            if want != got:
                what, verdict = _marker_kind(m), "shown" if got else "hidden"
                said = "show" if want else "hide"
                found.append(
                    (
                        (spec.kind, persona, what, verdict),
                        f"{where}: {what} {m} {verdict}, the oracle says {said}",
                    )
                )
        return found
