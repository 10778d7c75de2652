"""A person's disclosure lists the files kept about them (issue 16 × 17): those on their
household, their consents, the consultations about them and their cases, and none of
another household's."""

import pytest

from households.disclosure import as_json, collect
from tests.common.test_idor import build_world
from tests.factories import AgencyFactory, staff

pytestmark = pytest.mark.django_db


def test_the_disclosure_lists_the_persons_attachments_and_no_others(
    desk, coordinator, desk_agency, manager, partner, partner_agency
):
    own = build_world(
        agency=desk_agency,
        lead=desk,
        coord=coordinator,
        third_agency=partner_agency,
        third_user=partner,
        tag="田中",
    )
    other_agency = AgencyFactory(name="別の機関")
    other_user = staff(other_agency, username="other_lead")
    other = build_world(
        agency=desk_agency,
        lead=desk,
        coord=coordinator,
        third_agency=other_agency,
        third_user=other_user,
        tag="佐藤",
    )
    ctx, sections = collect(person=own.person, user=manager)
    data = as_json(ctx, sections)
    refs = {i["ref"] for s in data["sections"] for i in s["items"]}

    mine = {
        f"householdattachment:{own.household_attachment.pk}",
        f"consentattachment:{own.consent_attachment.pk}",
        f"consultationattachment:{own.consultation_attachment.pk}",
        f"caseattachment:{own.case_attachment.pk}",
    }
    theirs = {
        f"householdattachment:{other.household_attachment.pk}",
        f"consentattachment:{other.consent_attachment.pk}",
        f"consultationattachment:{other.consultation_attachment.pk}",
        f"caseattachment:{other.case_attachment.pk}",
    }
    assert mine <= refs, mine - refs
    assert not theirs & refs
    # What is listed is the file's description and digest, never its bytes.
    item = next(
        i
        for s in data["sections"]
        for i in s["items"]
        if i["ref"] == f"caseattachment:{own.case_attachment.pk}"
    )
    fields = {f["label"]: f["value"] for f in item["fields"]}
    assert fields["SHA-256"] == own.case_attachment.sha256
    assert fields["ファイル名"] == own.case_attachment.original_name
