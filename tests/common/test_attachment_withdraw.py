"""取り消し of an attachment added by mistake: whoever added it (within a day) or a
管理者 who may change its owner withdraws it with a reason; the file is deleted from the
storage, the row stays listed without its name, downloads, the case timeline and the
disclosure leave it out. Everyone else is refused and nothing changes."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.choices import Role
from accounts.models import AccessLog, ActionLog
from cases.models import CaseAttachment
from common.attachments import AlreadyWithdrawn, attachment_withdraw
from households.models import HouseholdMembership
from tests.common.test_attachments import OWNERS, PDF, _owners, _stored_files, _upload, _uploader
from tests.factories import staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("attachment_media")]


@pytest.fixture
def world(attachment_world):
    return attachment_world


REASON = "別の方の書類を誤って添付したため"


def _withdraw_url(owner, w, attachment):
    return {
        "household": lambda: reverse(
            "households:attachment_withdraw", args=[w.household.pk, attachment.pk]
        ),
        "consent": lambda: reverse(
            "households:consent_attachment_withdraw",
            args=[w.household.pk, w.consent.pk, attachment.pk],
        ),
        "consultation": lambda: reverse(
            "intake:consultation_attachment_withdraw", args=[w.consultation.pk, attachment.pk]
        ),
        "case": lambda: reverse("cases:attachment_withdraw", args=[w.case.pk, attachment.pk]),
        "meeting": lambda: reverse(
            "meetings:attachment_withdraw", args=[w.meeting.pk, attachment.pk]
        ),
    }[owner]()


def _added(owner, world, client):
    upload_url, download_url, model, _obj = _owners(world)[owner]
    response = _upload(client, upload_url, PDF, name="山田花子_通知書.pdf", title="通知書")
    assert response.status_code == 302
    return model.objects.get(), download_url, upload_url


@pytest.mark.parametrize("owner", OWNERS)
def test_whoever_added_a_file_withdraws_it_and_the_file_is_gone(
    owner,
    world,
    client_for,
    desk,
    coordinator,
    attachment_media,
    django_capture_on_commit_callbacks,
):
    user = _uploader(owner, desk, coordinator)
    client = client_for(user)
    attachment, download_url, upload_url = _added(owner, world, client)
    url = _withdraw_url(owner, world, attachment)
    assert url in client.get(upload_url).content.decode()  # offered beside the file
    assert len(_stored_files(attachment_media)) == 1

    page = client.get(url)
    assert page.status_code == 200
    assert "山田花子_通知書.pdf" in page.content.decode()

    # No reason: refused beside the field, nothing changed.
    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 200
    assert "取り消しの理由を入力してください。" in refused.content.decode()
    attachment.refresh_from_db()
    assert attachment.withdrawn_at is None and len(_stored_files(attachment_media)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"reason": REASON})
    assert done.status_code == 302 and done["Location"].endswith("#attachments")

    attachment.refresh_from_db()
    assert attachment.withdrawn_by == user and attachment.withdrawal_reason == REASON
    assert attachment.withdrawn_at is not None and not attachment.file
    assert attachment.history.latest().history_user == user
    assert _stored_files(attachment_media) == []
    assert ActionLog.objects.filter(
        action__endswith=".attachment_withdrawn", data__attachment=attachment.pk
    ).exists()
    assert client.get(download_url(attachment)).status_code == 404
    assert client.get(url).status_code == 404  # withdrawn once only
    listed = client.get(upload_url).content.decode()
    assert "取り消された添付ファイル" in listed and REASON in listed
    assert "山田花子_通知書.pdf" not in listed and download_url(attachment) not in listed


def test_a_colleague_who_did_not_add_it_is_not_offered_it_and_is_refused(
    world, client_for, desk, desk_agency, attachment_media
):
    colleague = staff(desk_agency, Role.COUNSELOR, username="colleague")
    attachment, _download, upload_url = _added("case", world, client_for(desk))
    url = _withdraw_url("case", world, attachment)
    client = client_for(colleague)
    page = client.get(upload_url)
    assert page.status_code == 200 and "山田花子_通知書.pdf" in page.content.decode()
    assert url not in page.content.decode()

    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": REASON}).status_code == 403

    attachment.refresh_from_db()
    assert attachment.withdrawn_at is None and len(_stored_files(attachment_media)) == 1
    assert AccessLog.objects.filter(
        user=colleague, outcome=AccessLog.Outcome.DENIED, detail="attachment_withdraw"
    ).exists()


def test_after_a_day_only_a_manager_withdraws_it(
    world, client_for, desk, manager, attachment_media, django_capture_on_commit_callbacks
):
    attachment, _download, upload_url = _added("case", world, client_for(desk))
    CaseAttachment.objects.filter(pk=attachment.pk).update(
        uploaded_at=timezone.now() - dt.timedelta(hours=25)
    )
    url = _withdraw_url("case", world, attachment)
    assert url not in client_for(desk).get(upload_url).content.decode()
    assert client_for(desk).post(url, {"reason": REASON}).status_code == 403
    attachment.refresh_from_db()
    assert attachment.withdrawn_at is None

    boss = client_for(manager)
    assert url in boss.get(upload_url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert boss.post(url, {"reason": REASON}).status_code == 302
    attachment.refresh_from_db()
    assert attachment.withdrawn_by == manager
    assert _stored_files(attachment_media) == []


def test_a_partner_who_reads_the_case_may_not_withdraw(
    world, client_for, desk, partner, attachment_media
):
    """The partner's RECORDS share reads the case's files but does not change the case:
    its access getter refuses the withdrawal page (404) before anything is asked."""
    attachment, download_url, _upload_url = _added("case", world, client_for(desk))
    client = client_for(partner)
    assert client.get(download_url(attachment)).status_code == 200
    url = _withdraw_url("case", world, attachment)
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": REASON}).status_code == 404
    attachment.refresh_from_db()
    assert attachment.withdrawn_at is None and len(_stored_files(attachment_media)) == 1


def test_the_timeline_and_the_disclosure_leave_a_withdrawn_file_out(
    world, client_for, desk, manager, attachment_media, django_capture_on_commit_callbacks
):
    attachment, _download, _upload_url = _added("case", world, client_for(desk))
    case_page = reverse("cases:case_detail", args=[world.case.pk])
    membership = HouseholdMembership.objects.get(person=world.person, until__isnull=True)
    disclosure = reverse("households:disclosure_json", args=[world.household.pk, membership.pk])

    def refs():
        data = json.loads(client_for(manager).get(disclosure).content)
        return {i["ref"] for s in data["sections"] for i in s["items"]}

    assert "山田花子_通知書.pdf" in client_for(desk).get(case_page).content.decode()
    assert f"caseattachment:{attachment.pk}" in refs()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(desk).post(_withdraw_url("case", world, attachment), {"reason": REASON})
    page = client_for(desk).get(case_page).content.decode()
    assert "山田花子_通知書.pdf" not in page and "取り消された添付ファイル" in page
    assert f"caseattachment:{attachment.pk}" not in refs()


def test_a_second_withdrawal_of_the_same_file_is_refused(world, client_for, desk):
    attachment, _download, _upload_url = _added("case", world, client_for(desk))
    attachment_withdraw(attachment, actor=desk, reason=REASON)
    with pytest.raises(AlreadyWithdrawn):
        attachment_withdraw(attachment, actor=desk, reason="もう一度")
    attachment.refresh_from_db()
    assert attachment.withdrawal_reason == REASON


@pytest.mark.parametrize(
    ("reason", "stored", "message"),
    [
        # Markup is kept as typed and shown escaped.
        ("<script>alert(1)</script>誤添付", "<script>alert(1)</script>誤添付", None),
        # Control characters become spaces; the reason is trimmed.
        ("  誤って\x07添付\x1b  ", "誤って 添付", None),
        ("あ" * 201, None, "この値は 200 文字以下でなければなりません"),
        ("誤って\x00添付", None, "Null"),
        ("\t\x0b ", None, "取り消しの理由を入力してください。"),
        ("", None, "取り消しの理由を入力してください。"),
    ],
)
def test_hostile_reasons_are_stored_as_cleaned_or_refused_beside_the_field(
    world,
    client_for,
    desk,
    attachment_media,
    reason,
    stored,
    message,
    django_capture_on_commit_callbacks,
):
    client = client_for(desk)
    attachment, _download, upload_url = _added("case", world, client)
    url = _withdraw_url("case", world, attachment)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": reason})
    attachment.refresh_from_db()
    if stored is None:
        assert response.status_code == 200
        body = response.content.decode()
        assert 'class="field has-error"' in body or "has-error" in body
        if message != "Null":
            assert message in body
        assert attachment.withdrawn_at is None and len(_stored_files(attachment_media)) == 1
        return
    assert response.status_code == 302
    assert attachment.withdrawal_reason == stored
    listed = client.get(upload_url).content.decode()
    assert "<script>alert(1)</script>" not in listed
    assert escape(stored) in listed
