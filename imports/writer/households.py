"""Writes of the 世帯・世帯員 ledger: households, persons, memberships and consents,
row by row or a chunk at once through the households bulk services."""

from django.utils.translation import gettext as _

from households import services as household_services
from households import services_bulk
from households.access import households_visible_to, with_access_flags
from households.models import Household, Person
from imports import ledgers
from imports.models import Decision
from imports.reader import parse_day, split_names
from imports.writer.keys import KeyedWriter, RowFailed, day_or_none, row_getter


class HouseholdWrites(KeyedWriter):
    def _write_households(self, row, get) -> bool:
        hkey, pkey = get("世帯キー"), get("世帯員キー")
        if self.known("membership", row.key):
            return False
        if not self.known("household", hkey):
            if row.same_household:
                household = self._registered_household(row)
            else:
                household = household_services.household_create(
                    actor=self.actor, agency=self.agency, **self._household_fields(get)
                )
            self.remember("household", hkey, household)
        household = self.get("household", hkey)
        relationship = self.code("relationship", get("続柄"))
        since = day_or_none(get, "加入日")
        membership = None
        if not self.known("person", pkey) and not self._judged_same(row):
            person = household_services.person_add_to_household(
                actor=self.actor,
                agency=self.agency,
                household=household,
                relationship=relationship,
                since=since,
                **self._person_fields(get),
            )
            self.remember("person", pkey, person)
            membership = person.household_memberships.get(household=household, until__isnull=True)
            if get("離脱日"):
                membership = household_services.membership_update(
                    actor=self.actor, membership=membership, until=parse_day(get("離脱日"))
                )
        else:
            judged_same = not self.known("person", pkey)
            if judged_same:
                person = self._same_person(row)
                self.remember("person", pkey, person)
            else:
                person = self.get("person", pkey)
            membership = self._join(
                get, person, household, relationship, since, judged_same=judged_same
            )
        if membership is not None:
            self.remember("membership", row.key, membership)
        else:
            self.remember_id("membership", row.key, 0)
        self._write_consent(get, pkey, person)
        return True

    def _registered_household(self, row) -> Household:
        """The registered household the manager judged the ledger's to be: its members
        join it, nothing about it changes. Refused by row when the importer may no
        longer change it."""
        household = (
            with_access_flags(households_visible_to(self.actor), self.actor)
            .filter(pk=row.candidate_household_id, can_change=True)
            .first()
        )
        if household is None:
            raise RowFailed(
                _("登録済みの世帯（同じ世帯として選んだ世帯）を変更する権限がありません。")
            )
        return household

    @staticmethod
    def _judged_same(row) -> bool:
        return row.decision == Decision.SAME and bool(row.candidate_person_id or row.candidate_key)

    def _same_person(self, row) -> Person:
        if row.candidate_person_id:
            return Person.objects.get(pk=row.candidate_person_id)
        return self.get("person", row.candidate_key)

    def _join(self, get, person, household, relationship, since, *, judged_same: bool):
        """A row about a person the import already holds joins the ledger's household as
        the row says, in any row order. A row with 離脱日 is a household they lived in
        before: recorded beside their current one, which stays. Otherwise a repeated
        世帯員キー moves them in (membership_create: the file says so by its key), while a
        row judged the same person (a registered one, or an earlier row under another
        key) never moves them out of a household they live in: it joins only a person
        living nowhere (the preview says so; a move is made on the household page).
        None when no membership is written."""
        current = list(person.household_memberships.filter(until__isnull=True))
        if any(m.household_id == household.pk for m in current):
            return None  # already living there
        joining = {
            "actor": self.actor,
            "household": household,
            "person": person,
            "relationship": relationship,
            "since": since,
        }
        if get("離脱日"):
            return household_services.membership_add_past(**joining, until=parse_day(get("離脱日")))
        if current and judged_same:
            return None  # the same person stays where they live
        return household_services.membership_create(**joining)

    def _household_fields(self, get) -> dict:
        return {
            "name": get("世帯の呼び名"),
            "postal_code": get("郵便番号"),
            "address": get("住所"),
            "phone": get("電話"),
            "district": self.districts.get(get("行政区")) if get("行政区") else None,
            "is_address_confidential": get("住所秘匿") == "はい",
        }

    def _person_fields(self, get) -> dict:
        return {
            "family_name": get("姓"),
            "given_name": get("名"),
            "family_name_kana": get("せい（ふりがな）"),
            "given_name_kana": get("めい（ふりがな）"),
            "birth_date": day_or_none(get, "生年月日"),
            "sex": self.code("sex", get("性別"), "unknown"),
        }

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

    def write_households_bulk(self, rows) -> dict[int, bool]:
        """The rows (of the 世帯・世帯員 ledger, without errors, in file order) at once:
        new households and new persons through the households bulk services, the
        rest (a person already imported or judged the same as a registered one, a
        repeated person key) row by row after them, as write() would. Returns
        {row pk: written}. Raises like write(); the caller rolls the chunk back and
        writes it again row by row to name the failing row."""
        gets = {row.pk: row_getter(ledgers.HOUSEHOLDS, row.values) for row in rows}
        done: dict[int, bool] = {}
        households: dict[str, Household] = {}
        for row in rows:
            get = gets[row.pk]
            hkey = get("世帯キー")
            if self.known("membership", row.key) or self.known("household", hkey):
                continue
            if row.same_household and hkey not in households:
                self.remember("household", hkey, self._registered_household(row))
            elif hkey not in households:
                households[hkey] = Household(**self._household_fields(get))
        if households:
            services_bulk.household_create_bulk(
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
                services_bulk.NewMember(
                    household=self.get("household", get("世帯キー")),
                    person=Person(**self._person_fields(get)),
                    relationship=self.code("relationship", get("続柄")),
                    since=day_or_none(get, "加入日"),
                    until=day_or_none(get, "離脱日"),
                )
            )
            bulk_rows.append(row)
        if members:
            services_bulk.person_add_to_household_bulk(
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
