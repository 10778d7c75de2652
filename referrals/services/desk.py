"""A partner agency's way to the desk: a 相談受付 in the desk's intake queue."""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import log_action
from accounts.models import Agency
from accounts.selectors import case_workers_of
from common.services import save_as
from common.wareki import format_date
from households.access import NoBasisToPassOn, require_basis_to_pass_on
from intake.choices import CameFrom, Channel, ConsentAtIntake, Outcome, Urgency
from intake.models import Consultation, ConsultationCategoryLink
from referrals.services.notices import notify
from referrals.services.rules import (
    ReferralRefused,
)


def desk_agencies():
    return Agency.objects.filter(is_desk=True, is_active=True).order_by("pk")


@transaction.atomic
def desk_referral_create(
    *,
    actor,
    from_agency: Agency,
    desk_agency: Agency,
    person_name: str,
    person_name_kana: str = "",
    person_birth_date: dt.date | None = None,
    person_contact: str = "",
    summary: str,
    wishes: str = "",
    categories=(),
    urgency: str = Urgency.NORMAL,
    consent_status: str = ConsentAtIntake.UNKNOWN,
    consent_on: dt.date | None = None,
    exemption_reason: str = "",
    exemption_note: str = "",
) -> Consultation:
    """A partner agency refers a person to the desk: a 相談受付 (関係機関から) that
    lands in the desk's intake queue (継続支援, no case yet).

    The person's name, birth date and contact pass to another agency, so the rule of a
    つなぐシート holds (households.access.require_basis_to_pass_on): the person's
    consent (consent_status 同意あり and its day) or a legal exemption with its reason,
    recorded on the consultation. Refused with ReferralRefused otherwise.

    The consultation is written through intake's models with save_as rather than
    intake.services.consultation_create, which records only for the actor's own
    agency (the partner is not a member of the desk). The partner does not see the
    desk's households, so the person is named in the 主訴 and the desk links the
    household when it takes the consultation up.
    Side effects: category links, in-app notices to the desk's staff, action log.
    """
    if from_agency is None or from_agency.pk not in actor.agency_ids or not actor.works_on_cases:
        raise ReferralRefused(_("所属している機関として送ってください。"))
    if desk_agency is None or not desk_agency.is_desk or not desk_agency.is_active:
        raise ReferralRefused(_("送り先の相談窓口を選んでください。"))
    if from_agency.is_desk:
        raise ReferralRefused(_("相談窓口から相談窓口へは送れません。相談受付を記録してください。"))
    if not (person_name or "").strip() or not (summary or "").strip():
        raise ReferralRefused(_("対象者の氏名と相談の内容を入力してください。"))
    categories = list(dict.fromkeys(categories or []))
    if not categories:
        raise ReferralRefused(_("相談内容を1つ以上選んでください。"))
    consent_given = consent_status == ConsentAtIntake.YES
    try:
        require_basis_to_pass_on(
            consent_given=consent_given,
            consent_on=consent_on,
            exemption_reason=exemption_reason,
            exemption_note=exemption_note,
        )
    except NoBasisToPassOn as exc:
        raise ReferralRefused(exc.messages[0], code=exc.code) from exc
    header = _("【対象者】%(name)s") % {"name": person_name.strip()}
    if person_name_kana:
        header += f"（{person_name_kana.strip()}）"
    if person_birth_date:
        header += " " + _("%(date)s生") % {"date": format_date(person_birth_date)}
    if person_contact:
        header += "\n" + _("【連絡先】%(contact)s") % {"contact": person_contact.strip()}
    consultation = Consultation(
        received_at=timezone.now(),
        channel=Channel.AGENCY,
        came_from=CameFrom.AGENCY,
        caller_name=str(actor),
        caller_relationship=_("%(agency)sの担当者") % {"agency": from_agency.name},
        caller_agency=from_agency,
        summary=f"{header}\n\n{summary.strip()}",
        wishes=(wishes or "").strip(),
        urgency=urgency,
        consent_status=consent_status,
        consent_on=consent_on if consent_given else None,
        exemption_reason=exemption_reason or "",
        exemption_note=(exemption_note or "").strip() if exemption_reason else "",
        outcome=Outcome.ONGOING,
        received_by=actor,
        agency=desk_agency,
    )
    save_as(consultation, actor)
    for index, category in enumerate(categories):
        save_as(
            ConsultationCategoryLink(
                consultation=consultation, category=category, is_primary=index == 0
            ),
            actor,
        )
    notify(
        actor=actor,
        users=case_workers_of(desk_agency),
        verb=_("%(agency)sから相談が届きました") % {"agency": from_agency.name},
        link=reverse("intake:consultation_detail", args=[consultation.pk]),
        email=True,
    )
    log_action(
        actor=actor,
        action="intake.consultation.created",
        obj=consultation,
        via="referrals.to_desk",
        from_agency=from_agency.pk,
        exemption_reason=consultation.exemption_reason,
    )
    return consultation
