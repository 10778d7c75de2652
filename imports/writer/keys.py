"""The writer's memory of keys (SourceKey rows: a row whose key is there already is
left alone), its lookups of master data, and the dispatch of a row to its ledger's
write (in imports.writer.households and imports.writer.casework)."""

import datetime as dt

from django.utils.translation import gettext as _

from accounts.models import Agency, Membership
from cases.models import Case, SupportPlan
from households.models import Consent, District, Household, HouseholdMembership, Person
from imports import ledgers
from imports.ledgers import BY_CODE
from imports.models import SourceKey
from imports.reader import parse_day
from intake.models import Consultation, ConsultationCategory

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


def row_getter(ledger_code: str, values):
    """The row's cells by their header (a missing cell reads as None)."""
    return dict(zip(BY_CODE[ledger_code].headers, values, strict=False)).get


def day_or_none(get, header: str) -> dt.date | None:
    return parse_day(get(header)) if get(header) else None


class KeyedWriter:
    """Writes checked rows of one batch as the importing user."""

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
        self.remember_id(kind, key, obj.pk)
        self.cache[(kind, obj.pk)] = obj

    def remember_id(self, kind: str, key: str, object_id: int) -> None:
        """Keep the key (object_id 0: the row made nothing, e.g. a membership that
        already existed, but is still imported)."""
        SourceKey.objects.create(
            agency=self.agency, kind=kind, key=key, object_id=object_id, batch=self.batch
        )
        self.keys.setdefault(kind, {})[key] = object_id
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
        return getattr(self, f"_write_{row.ledger}")(row, row_getter(row.ledger, row.values))

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
