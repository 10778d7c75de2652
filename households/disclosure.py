"""A person's disclosure (開示請求, 個人情報保護法 第76条以下): everything the product holds
about one person, as one structure that the PDF and the JSON file are both made from.

households may not import the case apps (DESIGN), so each app above it registers a
provider from its AppConfig.ready(): callable(ctx: DisclosureContext) -> list[Section].
Providers select only rows linked to ctx.person_ids and report the other persons they
meet (ctx.third_party) so their names can be taken out of free text when ctx.redact.
Identity, households, consents and the access log are this app's own sections.

Redaction (default on) follows 第78条第1項第2号 (information about an individual other
than the requester) and 第79条 (partial disclosure): other persons' names, contact details
and the rows about them only are left out; each omission is counted under a reason the
PDF prints, so the reader knows what is missing and why.
"""

import datetime as dt
import re
from collections import Counter
from dataclasses import asdict, dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from common import wareki
from households.models import (
    Consent,
    ConsentAttachment,
    HouseholdAttachment,
    HouseholdMembership,
    Person,
)

WITHHELD = "［不開示］"
NAME_MARK = "［第三者］"

_PROVIDERS = []


def register_disclosure(func):
    """Register a provider (from a higher app's AppConfig.ready())."""
    if func not in _PROVIDERS:
        _PROVIDERS.append(func)
    return func


@dataclass
class Item:
    title: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    ref: str = ""  # the source row, "consultation:12"; stable key in the JSON file
    date: str = ""  # ISO date or datetime, for sorting and machines


@dataclass
class Section:
    key: str
    title: str
    items: list[Item] = field(default_factory=list)
    order: int = 100
    note: str = ""


def fmt_date(value) -> str:
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{wareki.format_date(local.date())} {local:%H:%M}"
    return wareki.format_date(value)


def iso(value) -> str:
    if not value:
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.isoformat()


class DisclosureContext:
    """What providers share while the disclosure is collected."""

    def __init__(self, *, person: Person, user, redact: bool = True, person_ids=None):
        self.person = person
        self.user = user
        self.redact = redact
        self.person_ids = sorted(set(person_ids or [person.pk]))
        self.created_at = timezone.localtime()
        self.omissions: Counter = Counter()
        self._third_ids: set[int] = set()
        self._third_names: set[str] = set()
        self.cache: dict = {}  # providers share derived ids (e.g. the person's cases)

    # -- third parties

    def third_party(self, persons=(), names=()) -> None:
        """Note other persons met in the records: their names are scrubbed from text."""
        for p in persons:
            if p.pk not in self.person_ids:
                self._third_ids.add(p.pk)
                self._third_names.update(_name_variants(p, self.person))
        for name in names:
            name = (name or "").strip()
            if len(name) >= 2 and name not in _own_names(self.person):
                self._third_names.update({name, name.replace(" ", ""), name.replace("　", "")})

    def withheld(self, reason: str) -> str:
        """A whole field left out; counted under its reason."""
        self.omissions[reason] += 1
        return WITHHELD

    def person_name(self, person: Person, reason: str | None = None) -> str:
        """The subject by name; another person by name only without redaction."""
        if person.pk in self.person_ids:
            return person.full_name
        self.third_party([person])
        if self.redact:
            return self.withheld(reason or _("他の人の氏名（第三者の個人情報）"))
        return person.full_name

    def names_of(self, persons, reason: str | None = None) -> str:
        """The subject's name and the others as names or a count."""
        own = [p for p in persons if p.pk in self.person_ids]
        others = [p for p in persons if p.pk not in self.person_ids]
        self.third_party(others)
        parts = [p.full_name for p in own]
        if others:
            if self.redact:
                self.omissions[reason or _("他の人の氏名（第三者の個人情報）")] += len(others)
                parts.append(_("ほか%(n)d名（氏名は不開示）") % {"n": len(others)})
            else:
                parts.extend(p.full_name for p in others)
        return "、".join(parts)

    # -- scrubbing free text

    def scrub(self, text: str) -> str:
        if not self.redact or not text or not self._third_names:
            return text
        pattern = self.cache.get("_pattern")
        if pattern is None or self.cache.get("_pattern_n") != len(self._third_names):
            names = sorted(self._third_names, key=len, reverse=True)
            pattern = re.compile("|".join(re.escape(n) for n in names))
            self.cache["_pattern"], self.cache["_pattern_n"] = pattern, len(self._third_names)
        text, n = pattern.subn(NAME_MARK, text)
        if n:
            self.omissions[_("記録の本文中の他の人の氏名")] += n
        return text


def _own_names(person: Person) -> set[str]:
    return {
        person.full_name,
        person.family_name + person.given_name,
        person.family_name,
        person.given_name,
        person.family_name_kana,
        person.given_name_kana,
    }


def _name_variants(other: Person, subject: Person) -> set[str]:
    own = _own_names(subject)
    out = {
        f"{other.family_name} {other.given_name}".strip(),
        f"{other.family_name}　{other.given_name}".strip(),
        f"{other.family_name}{other.given_name}",
        f"{other.family_name_kana} {other.given_name_kana}".strip(),
        f"{other.family_name_kana}{other.given_name_kana}",
    }
    # A given name alone ("健太さん") names the other member; a shared family name
    # alone would also strike out the subject's own name, so it stays.
    for part in (other.given_name, other.given_name_kana, other.family_name):
        if len(part) >= 2 and part not in own:
            out.add(part)
    return {n for n in out if len(n) >= 2 and n not in own}


# ---------------------------------------------------------------- collecting


def merged_person_ids(person: Person) -> list[int]:
    """The ids of Person rows merged into this one (households.services.person_merge
    deletes them after moving their rows; the access log keeps their old ids)."""
    from accounts.models import ActionLog

    ids, todo = {person.pk}, [person.pk]
    while todo:
        found = [
            int(d.get("merged_id"))
            for d in ActionLog.objects.filter(
                action="households.person.merged",
                object_type="households.person",
                object_id__in=[str(i) for i in todo],
            ).values_list("data", flat=True)
            if str(d.get("merged_id", "")).isdecimal()
        ]
        todo = [i for i in found if i not in ids]
        ids.update(todo)
    return sorted(ids)


def collect(*, person: Person, user, redact: bool = True) -> tuple[DisclosureContext, list]:
    """Every section about the person, own ones first. Free text is scrubbed once all
    providers have named the third parties they met."""
    ctx = DisclosureContext(
        person=person, user=user, redact=redact, person_ids=merged_person_ids(person)
    )
    sections = [_identity(ctx), _households(ctx), _consents(ctx), _attachments(ctx)]
    for provider in _PROVIDERS:
        sections.extend(provider(ctx) or [])
    sections.append(_access_log(ctx))
    sections.sort(key=lambda s: s.order)
    for section in sections:
        for item in section.items:
            item.title = ctx.scrub(item.title)
            item.fields = [(label, ctx.scrub(str(value))) for label, value in item.fields]
    return ctx, sections


def omissions_list(ctx: DisclosureContext) -> list[tuple[str, int]]:
    return sorted(ctx.omissions.items())


def as_json(ctx: DisclosureContext, sections) -> dict:
    """The machine-readable file: the same content as the PDF."""
    return {
        "format": "jusou-disclosure/1",
        "subject": {"id": ctx.person.pk, "name": ctx.person.full_name, "ids": ctx.person_ids},
        "created_at": iso(ctx.created_at),
        "created_by": str(ctx.user),
        "redacted": ctx.redact,
        "omissions": [{"reason": r, "count": n} for r, n in omissions_list(ctx)],
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "note": s.note,
                "items": [
                    {
                        "ref": i.ref,
                        "title": i.title,
                        "date": i.date,
                        "fields": [{"label": k, "value": v} for k, v in i.fields],
                    }
                    for i in s.items
                ],
            }
            for s in sections
        ],
    }


__all__ = ["Item", "Section", "DisclosureContext", "register_disclosure", "collect", "asdict"]


# ---------------------------------------------------------------- this app's sections


def _contact(ctx, obj, name):
    from households.contact import contact_value

    value = contact_value(ctx.user, obj, name)
    if value is None:
        return ctx.withheld(_("住所秘匿により作成者にも表示されない連絡先"))
    return value


def _in_hiding(ctx) -> bool:
    if "in_hiding" not in ctx.cache:
        ctx.cache["in_hiding"] = HouseholdMembership.objects.filter(
            person_id__in=ctx.person_ids, household__is_address_confidential=True
        ).exists()
    return ctx.cache["in_hiding"]


def _identity(ctx) -> Section:
    p = ctx.person
    flags = [
        label
        for on, label in (
            (p.has_care_certification, _("要介護認定")),
            (p.has_disability_certificate, _("障害者手帳")),
            (p.receives_public_assistance, _("生活保護受給")),
            (p.needs_interpreter, _("外国籍・通訳要")),
        )
        if on
    ]
    fields = [
        (_("氏名"), p.full_name),
        (_("ふりがな"), p.full_name_kana),
        (_("生年月日"), fmt_date(p.birth_date)),
        (_("性別"), p.get_sex_display()),
        (_("電話（自宅）"), _contact(ctx, p, "phone")),
        (_("電話（携帯）"), _contact(ctx, p, "mobile_phone")),
        (_("メール"), _contact(ctx, p, "email")),
        (_("状況"), "、".join(flags)),
        (_("備考"), p.notes),
        (_("登録機関"), str(p.registered_by_agency)),
        (_("登録日時"), fmt_date(p.created_at)),
    ]
    item = Item(title=p.full_name, fields=fields, ref=f"person:{p.pk}")
    return Section("identity", _("本人の情報"), [item], order=10)


def _households(ctx) -> Section:
    memberships = list(
        HouseholdMembership.objects.filter(person_id__in=ctx.person_ids)
        .select_related("household", "household__district")
        .order_by("since", "pk")
    )
    household_ids = {m.household_id for m in memberships}
    ctx.cache["household_ids"] = household_ids
    others = {}
    for m in (
        HouseholdMembership.objects.filter(household_id__in=household_ids)
        .exclude(person_id__in=ctx.person_ids)
        .select_related("person")
        .order_by("since", "pk")
    ):
        others.setdefault(m.household_id, []).append(m)
    items = []
    for m in memberships:
        h = m.household
        if h.is_address_confidential:
            address = ctx.withheld(_("住所秘匿の世帯の住所・電話（生命・身体の保護）"))
            phone = WITHHELD
        else:
            address = _contact(ctx, h, "postal_address")
            phone = _contact(ctx, h, "phone")
        co = others.get(h.pk, [])
        ctx.third_party([o.person for o in co])
        if ctx.redact:
            if co:
                ctx.omissions[_("他の世帯員の氏名・続柄・連絡先")] += len(co)
            members = _("他の世帯員 %(n)d名（第三者の個人情報のため氏名等は不開示）") % {
                "n": len(co)
            }
        else:
            members = "、".join(
                f"{o.person.full_name}（{o.get_relationship_display()}"
                f"{' ' + fmt_date(o.since) + '〜' if o.since else ''}"
                f"{fmt_date(o.until) if o.until else ''}）"
                for o in co
            )
        items.append(
            Item(
                title=h.name if not ctx.redact else _("世帯（番号 %(n)d）") % {"n": h.pk},
                ref=f"membership:{m.pk}",
                date=iso(m.since),
                fields=[
                    (_("世帯の呼び名"), h.name),
                    (_("続柄"), m.get_relationship_display()),
                    (_("加入日"), fmt_date(m.since) or _("不明")),
                    (_("離脱日"), fmt_date(m.until) or _("（現在の世帯）")),
                    (_("住所"), address),
                    (_("電話"), phone),
                    (_("行政区"), str(h.district or "")),
                    (_("世帯員"), members),
                ],
            )
        )
    return Section("households", _("世帯と続柄（期間）"), items, order=20)


def _consents(ctx) -> Section:
    items = []
    for c in (
        Consent.objects.filter(person_id__in=ctx.person_ids)
        .select_related("recorded_by")
        .prefetch_related("agencies")
        .order_by("obtained_on", "pk")
    ):
        items.append(
            Item(
                title=_("本人同意 %(d)s") % {"d": fmt_date(c.obtained_on)},
                ref=f"consent:{c.pk}",
                date=iso(c.obtained_on),
                fields=[
                    (_("共有先機関"), "、".join(a.name for a in c.agencies.all())),
                    (_("目的"), c.purpose),
                    (_("方法"), c.get_method_display()),
                    (_("同意日"), fmt_date(c.obtained_on)),
                    (_("有効期限"), fmt_date(c.expires_on)),
                    (_("撤回日"), fmt_date(c.withdrawn_on)),
                    (_("状態"), c.get_state_display()),
                    (_("記録者"), str(c.recorded_by)),
                ],
            )
        )
    return Section("consents", _("本人同意"), items, order=30)


ATTACHMENTS_NOTE = _l(
    "添付ファイルは一覧（ファイル名・内容・種類・大きさ・添付日時・改ざん確認用の SHA-256）を示します。"
    "ファイルそのものは含めていません。誤って添付され取り消されたファイル（保存先から削除済み）は含みません。"
)


def attachment_item(ctx, attachment, owner: str, ref: str) -> Item:
    """One stored file (common.attachments.AttachmentBase) about the person, as a
    disclosure item: what it is, never its bytes."""
    return Item(
        title=_("%(owner)s の添付ファイル %(d)s")
        % {"owner": owner, "d": fmt_date(attachment.uploaded_at)},
        ref=f"{ref}:{attachment.pk}",
        date=iso(attachment.uploaded_at),
        fields=[
            (_("添付先"), owner),
            (_("ファイル名"), attachment.original_name),
            (_("内容"), attachment.title),
            (_("種類"), attachment.kind_label),
            (_("大きさ"), attachment.size_label),
            (_("添付日時"), fmt_date(attachment.uploaded_at)),
            (_("SHA-256"), attachment.sha256),
        ],
    )


def _attachments(ctx) -> Section:
    """Files kept on the person's households and on their consents."""
    household_ids = ctx.cache.get("household_ids") or set()
    items = [
        attachment_item(ctx, a, _("世帯"), "householdattachment")
        for a in HouseholdAttachment.objects.filter(
            owner_id__in=household_ids, withdrawn_at=None
        ).order_by("uploaded_at", "pk")
    ]
    items += [
        attachment_item(ctx, a, _("本人同意"), "consentattachment")
        for a in ConsentAttachment.objects.filter(
            owner__person_id__in=ctx.person_ids, withdrawn_at=None
        ).order_by("uploaded_at", "pk")
    ]
    return Section(
        "household_attachments",
        _("添付ファイル（世帯・本人同意）"),
        items,
        order=35,
        note=str(ATTACHMENTS_NOTE),
    )


def _access_log(ctx) -> Section:
    from accounts.models import AccessLog

    items = []
    for row in (
        AccessLog.objects.filter(person_id__in=ctx.person_ids)
        .select_related("user")
        .order_by("at", "pk")
    ):
        items.append(
            Item(
                title=fmt_date(row.at),
                ref=f"accesslog:{row.pk}",
                date=iso(row.at),
                fields=[
                    (_("日時"), fmt_date(row.at)),
                    (_("職員"), str(row.user) if row.user else _("（不明）")),
                    (_("種別"), row.get_outcome_display()),
                    (_("記録の種類"), _object_kind(row.object_type)),
                    (_("画面"), row.path),
                ],
            )
        )
    note = _(
        "この方の記録を職員が閲覧・出力した記録（閲覧記録）です。統合された重複登録の記録を含みます。"
    )
    return Section("access_log", _("閲覧記録"), items, order=200, note=note)


def _object_kind(object_type: str) -> str:
    from django.apps import apps

    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type
