"""つなぐシート: sent to the desk by any agency's staff, taken up as a 相談受付 or returned."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from common import kana
from common.services import save_as
from common.wareki import age_on
from households.access import NoBasisToPassOn, households_visible_to, require_basis_to_pass_on
from households.choices import Relationship, Sex
from households.models import Person
from intake.choices import (
    CameFrom,
    Channel,
    ConsentAtIntake,
    ContactMethod,
    Outcome,
    SheetStatus,
    SheetTopic,
)
from intake.models import ConnectSheet, Consultation, ConsultationCategory
from intake.services.consultations import IntakeRuleError, check_agency, consultation_create

# up by name, so a category an administrator renamed or switched off falls back to その他.
TOPIC_CATEGORY_NAMES = {
    SheetTopic.HEALTH: "病気や健康、障害",
    SheetTopic.DISABILITY: "病気や健康、障害",
    SheetTopic.HIKIKOMORI: "ひきこもり・不登校",
    SheetTopic.TAX: "税金や公共料金等の支払い",
    SheetTopic.LIVING_COST: "収入・生活費",
    SheetTopic.WORK: "仕事探し、就職",
}
OTHER_CATEGORY_NAME = "その他"


def sheet_kana(text: str) -> str:
    """The sheet's one ふりがな box, normalised like Person's kana but keeping one space
    where せい and めい were separated, so the desk need not split it again."""
    parts = [kana.normalise_kana(p) for p in str(text or "").replace("\u3000", " ").split()]
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    return f"{parts[0]} {''.join(parts[1:])}"


def split_sheet_name(sheet: ConnectSheet, user=None) -> dict:
    """The sheet's person as the intake form's fields: 姓/名 from the name (split at
    a space), せい/めい from the kana: at its space; else where the 姓 itself is
    written in kana; else by the reading of a person with the same 姓 in a household
    the user sees. ("", "") for the kana when none of these tells."""
    family, _sep, given = sheet.name.replace("\u3000", " ").strip().partition(" ")
    given = given.strip()
    reading = sheet.name_kana or ""
    if " " in reading:
        family_kana, _sep, given_kana = reading.partition(" ")
        return _name_parts(family, given, family_kana, given_kana)
    whole = kana.normalise_kana(reading)
    own = kana.normalise_kana(family)
    if own and kana.is_kana(own) and whole.startswith(own):
        return _name_parts(family, given, own, whole[len(own) :])
    if user is not None and family and whole:
        from households.selectors import persons_visible_to

        readings = (
            persons_visible_to(user)
            .filter(family_name=family)
            .values_list("family_name_kana", flat=True)
            .distinct()[:10]
        )
        fits = sorted({r for r in readings if r and whole.startswith(r) and r != whole}, key=len)
        if fits:
            return _name_parts(family, given, fits[-1], whole[len(fits[-1]) :])
    return _name_parts(family, given, "", "")


def _name_parts(family, given, family_kana, given_kana) -> dict:
    return {
        "family_name": family,
        "given_name": given,
        "family_name_kana": family_kana,
        "given_name_kana": given_kana,
    }


def require_sheet_basis(fields: dict) -> None:
    """The rule of passing the sheet's person on (households.access.
    require_basis_to_pass_on), read from the sheet's fields; raises NoBasisToPassOn."""
    require_basis_to_pass_on(
        consent_given=bool(fields.get("consent_given")),
        consent_on=fields.get("consent_date"),
        exemption_reason=fields.get("exemption_reason", ""),
        exemption_note=fields.get("exemption_note", ""),
    )


@transaction.atomic
def sheet_send(*, actor, agency, **fields) -> ConnectSheet:
    """A 庁内職員 (or any member of an agency) passes a resident to the desk.

    Refused without a basis to pass the person on (households.access.
    require_basis_to_pass_on: the person's consent and its date, or a legal exemption
    with its reason). The age is computed from the birth date when one is given.
    Side effects: action log.
    """
    check_agency(actor, agency)
    try:
        require_sheet_basis(fields)
    except NoBasisToPassOn as exc:
        raise IntakeRuleError(exc.messages[0], code=exc.code) from exc
    if fields.get("exemption_reason"):
        fields["exemption_note"] = fields.get("exemption_note", "").strip()
    topics = list(fields.pop("topics", []) or [])
    unknown = [t for t in topics if t not in SheetTopic.values]
    if unknown:
        raise IntakeRuleError(_("相談内容の選択が正しくありません。"))
    birth_date = fields.get("birth_date")
    if birth_date:
        fields["age"] = age_on(birth_date, timezone.localdate())
    fields["name_kana"] = sheet_kana(fields.get("name_kana", ""))
    sheet = ConnectSheet(
        sender=actor,
        sender_agency=agency,
        topics=[t for t in SheetTopic.values if t in topics],
        status=SheetStatus.SENT,
        **fields,
    )
    save_as(sheet, actor)
    log_action(
        actor=actor,
        action="intake.sheet.sent",
        obj=sheet,
        agency=agency.pk,
        exemption_reason=sheet.exemption_reason,
    )
    return sheet


def _categories_for_topics(topics) -> list[ConsultationCategory]:
    active = {c.name: c for c in ConsultationCategory.objects.filter(is_active=True)}
    other = active.get(OTHER_CATEGORY_NAME)
    found: list[ConsultationCategory] = []
    labels = dict(SheetTopic.choices)
    for topic in topics:
        category = active.get(str(labels.get(topic, ""))) or active.get(
            TOPIC_CATEGORY_NAMES.get(topic, "")
        )
        category = category or other
        if category is not None and category not in found:
            found.append(category)
    if not found and other is not None:
        found.append(other)
    if not found:
        raise IntakeRuleError(
            _(
                "相談内容の区分「その他」が見つかりません。管理者に区分の設定を確認してもらってください。"
            )
        )
    return found


def _topics_without_category(topics) -> list[str]:
    """The sheet's topics that no category of their own took (counted under その他):
    named in the summary so the worker still reads them."""
    active = set(ConsultationCategory.objects.filter(is_active=True).values_list("name", flat=True))
    labels = dict(SheetTopic.choices)
    out = []
    for topic in topics:
        if topic == SheetTopic.OTHER:
            continue
        label = str(labels.get(topic, topic))
        if label not in active and TOPIC_CATEGORY_NAMES.get(topic, "") not in active:
            out.append(label)
    return out


def known_sheet_person(actor, sheet: ConnectSheet) -> Person | None:
    """The one person, in a household the actor's agency sees, with the sheet's kana and
    birth date; None when there is no such person or more than one."""
    key = kana.normalise_kana(sheet.name_kana)
    if not key or not sheet.birth_date:
        return None
    matches = list(
        Person.objects.filter(
            name_kana=key,
            birth_date=sheet.birth_date,
            household_memberships__until__isnull=True,
            household_memberships__household__in=households_visible_to(actor).values("pk"),
        ).distinct()[:2]
    )
    return matches[0] if len(matches) == 1 else None


def _sheet_wishes(sheet: ConnectSheet) -> str:
    parts = [_("連絡方法: %(method)s") % {"method": ContactMethod(sheet.contact_method).label}]
    if sheet.contact_hours:
        parts.append(_("連絡希望時間帯: %(hours)s") % {"hours": sheet.contact_hours})
    return "\n".join(parts)


def _sheet_new_household(sheet: ConnectSheet, names: dict, district) -> tuple[dict, list]:
    """The household and person a つなぐシート describes, as consultation_create takes
    them."""
    if not names.get("family_name") or not names.get("family_name_kana"):
        raise IntakeRuleError(
            _("世帯を登録するには、ふりがなを「せい」と「めい」に分けて入力してください。"),
            code="kana",
        )
    household = {
        "name": _("%(name)sさん世帯") % {"name": names["family_name"]},
        "address": sheet.address,
        "phone": sheet.home_phone,
        "district": district,
    }
    person = {
        **names,
        "birth_date": sheet.birth_date,
        "sex": sheet.sex if sheet.sex in Sex.values else Sex.UNKNOWN,
        "mobile_phone": sheet.mobile_phone,
        "email": sheet.email,
        "relationship": Relationship.HEAD,
        "concerned": True,
    }
    return household, [person]


@transaction.atomic
def sheet_take_up(
    *,
    actor,
    sheet: ConnectSheet,
    agency,
    register_household: bool = False,
    family_name_kana: str = "",
    given_name_kana: str = "",
    district=None,
) -> Consultation:
    """The desk takes up a つなぐシート as a 相談受付 (庁内他課から, 継続支援).

    Categories follow the sheet's topics where the names match, else その他 (the
    topics that found no category of their own are named in the summary). When the
    person is already registered (same kana and birth date) in a household the desk
    sees, the consultation is about that household and person. Otherwise, with
    register_household, the sheet's person is registered as a new household (its
    name, kana split into せい/めい — given, or split_sheet_name's — birth date, sex,
    address, phones and the 行政区 given); without it the household is left empty, to
    be chosen or registered from the consultation.
    Side effects: the sheet is marked 窓口で受付済み and linked; household and person
    registration; action log.
    """
    sheet = ConnectSheet.objects.select_for_update().get(pk=sheet.pk)
    if sheet.status != SheetStatus.SENT:
        raise IntakeRuleError(_("このシートはすでに受付済みか、差し戻されています。"))
    categories = _categories_for_topics(sheet.topics)
    person = known_sheet_person(actor, sheet)
    household = None
    new_household, new_persons = None, []
    if person is not None:
        household = person.household_memberships.get(until__isnull=True).household
    elif register_household:
        names = split_sheet_name(sheet, actor)
        if family_name_kana:
            names["family_name_kana"] = kana.normalise_kana(family_name_kana)
            names["given_name_kana"] = kana.normalise_kana(given_name_kana)
        new_household, new_persons = _sheet_new_household(sheet, names, district)
    summary = sheet.details
    if sheet.topic_other:
        summary += "\n" + _("（その他の相談内容: %(text)s）") % {"text": sheet.topic_other}
    unmatched = _topics_without_category(sheet.topics)
    if unmatched:
        summary += "\n" + _("（シートの相談内容: %(topics)s）") % {"topics": "、".join(unmatched)}
    consultation = consultation_create(
        actor=actor,
        agency=agency,
        received_at=sheet.sent_at,
        channel=Channel.MUNICIPAL,
        came_from=CameFrom.MUNICIPAL,
        caller_name=str(sheet.sender),
        caller_agency=sheet.sender_agency,
        household=household,
        persons=[person] if person else [],
        categories=categories,
        # The first topic that found its own category; その他 says little as 主.
        primary_category=next(
            (c for c in categories if c.name != OTHER_CATEGORY_NAME), categories[0]
        ),
        summary=summary,
        wishes=_sheet_wishes(sheet),
        consent_status=ConsentAtIntake.YES if sheet.consent_given else ConsentAtIntake.UNKNOWN,
        consent_on=sheet.consent_date if sheet.consent_given else None,
        exemption_reason=sheet.exemption_reason,
        exemption_note=sheet.exemption_note,
        outcome=Outcome.ONGOING,
        new_household=new_household,
        new_persons=new_persons,
    )
    sheet.status = SheetStatus.TAKEN_UP
    sheet.consultation = consultation
    sheet.taken_up_at = timezone.now()
    sheet.taken_up_by = actor
    save_as(sheet, actor)
    log_action(actor=actor, action="intake.sheet.taken_up", obj=sheet, consultation=consultation.pk)
    return consultation


@transaction.atomic
def sheet_return(*, actor, sheet: ConnectSheet, note: str) -> ConnectSheet:
    """The desk sends a sheet back to its sender with a note (what is missing, or where
    the resident is better helped). Side effects: action log."""
    sheet = ConnectSheet.objects.select_for_update().get(pk=sheet.pk)
    if sheet.status != SheetStatus.SENT:
        raise IntakeRuleError(_("このシートはすでに受付済みか、差し戻されています。"))
    note = (note or "").strip()
    if not note:
        raise IntakeRuleError(_("差し戻しの理由を入力してください。"))
    sheet.status = SheetStatus.RETURNED
    sheet.desk_note = note
    save_as(sheet, actor)
    log_action(actor=actor, action="intake.sheet.returned", obj=sheet)
    return sheet
