"""Attachments (issue 17, part 1): upload and download for each owner type, the sharing
policy on every download, the download always an attachment typed by its content, the
size and type limits and the ClamAV scan, all refused with Japanese messages and with
nothing stored."""

import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AccessLog, ActionLog
from cases.models import CaseAttachment
from common.attachments import ALLOWED_TYPES, EXTENSIONS, sanitise_name
from households.models import ConsentAttachment, HouseholdAttachment
from intake.models import ConsultationAttachment
from meetings import services as meeting_services
from meetings.models import MeetingAttachment

# A one-page PDF as a scanner makes it (small, but a real PDF header and trailer).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\0" * 40
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 200
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def _stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def world(attachment_world):
    return attachment_world


MODELS = (
    HouseholdAttachment,
    ConsentAttachment,
    ConsultationAttachment,
    CaseAttachment,
    MeetingAttachment,
)


# Owner type -> (upload URL, download URL name and kwargs, model, the uploading persona).
def _owners(w):
    return {
        "household": (
            reverse("households:attachments", args=[w.household.pk]),
            lambda a: reverse("households:attachment_download", args=[w.household.pk, a.pk]),
            HouseholdAttachment,
            w.household,
        ),
        "consent": (
            reverse("households:consent_attachments", args=[w.household.pk, w.consent.pk]),
            lambda a: reverse(
                "households:consent_attachment_download",
                args=[w.household.pk, w.consent.pk, a.pk],
            ),
            ConsentAttachment,
            w.consent,
        ),
        "consultation": (
            reverse("intake:consultation_attachments", args=[w.consultation.pk]),
            lambda a: reverse(
                "intake:consultation_attachment_download", args=[w.consultation.pk, a.pk]
            ),
            ConsultationAttachment,
            w.consultation,
        ),
        "case": (
            reverse("cases:attachments", args=[w.case.pk]),
            lambda a: reverse("cases:attachment_download", args=[w.case.pk, a.pk]),
            CaseAttachment,
            w.case,
        ),
        "meeting": (
            reverse("meetings:attachments", args=[w.meeting.pk]),
            lambda a: reverse("meetings:attachment_download", args=[w.meeting.pk, a.pk]),
            MeetingAttachment,
            w.meeting,
        ),
    }


OWNERS = ["household", "consent", "consultation", "case", "meeting"]


def _upload(client, url, content, name="同意書 2024年4月.pdf", title="同意書のスキャン"):
    return client.post(url, {"file": SimpleUploadedFile(name, content), "title": title})


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _uploader(owner, desk, coordinator):
    return coordinator if owner == "meeting" else desk  # the meeting's chair


@pytest.mark.parametrize("owner", OWNERS)
def test_upload_then_download_round_trips(
    owner, world, client_for, desk, coordinator, attachment_media
):
    upload_url, download_url, model, obj = _owners(world)[owner]
    user = _uploader(owner, desk, coordinator)
    client = client_for(user)

    response = _upload(client, upload_url, PDF)

    assert response.status_code == 302
    attachment = model.objects.get()
    assert attachment.owner == obj
    assert attachment.original_name == "同意書 2024年4月.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF)
    assert attachment.uploaded_by == user
    assert attachment.history.get().history_user == user
    assert ActionLog.objects.filter(
        action__endswith=".attachment_added", data__attachment=attachment.pk
    ).exists()
    # Stored under a random name: the user's file name appears nowhere on disk.
    [stored] = _stored_files(attachment_media)
    assert stored.read_bytes() == PDF
    assert "同意書" not in str(stored) and stored.suffix == ".pdf"
    # The owner's page lists it with its download link.
    page = client.get(response["Location"]).content.decode()
    assert "同意書 2024年4月.pdf" in page and download_url(attachment) in page

    before = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    download = client.get(download_url(attachment))

    assert download.status_code == 200
    assert _body(download) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote('同意書 2024年4月.pdf')}" in disposition
    exports = set(
        AccessLog.objects.filter(
            pk__gt=before, user=user, outcome=AccessLog.Outcome.EXPORT
        ).values_list("object_type", "object_id")
    )
    assert (attachment._meta.label_lower, str(attachment.pk)) in exports
    assert (obj._meta.label_lower, str(obj.pk)) in exports
    if owner in {"consent", "consultation", "case", "household"}:
        assert ("households.person", str(world.person.pk)) in exports  # the person concerned


def _seed_all(world, desk, coordinator, client_for):
    """One attachment per owner, uploaded by the desk (the chair for the meeting)."""
    made = {}
    for owner, (upload_url, download_url, model, _obj) in _owners(world).items():
        client = client_for(_uploader(owner, desk, coordinator))
        assert _upload(client, upload_url, PDF).status_code == 302
        made[owner] = download_url(model.objects.get())
    return made


def test_an_agency_without_rights_gets_404_and_the_refusal_is_logged(
    world, client_for, desk, coordinator, outsider
):
    urls = _seed_all(world, desk, coordinator, client_for)
    client = client_for(outsider)
    for owner, url in urls.items():
        before = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = client.get(url)
        assert response.status_code == 404, owner
        assert not AccessLog.objects.filter(
            pk__gt=before, outcome=AccessLog.Outcome.EXPORT
        ).exists()
        assert AccessLog.objects.filter(
            pk__gt=before, user=outsider, outcome=AccessLog.Outcome.DENIED
        ).exists(), owner
    # Nor can it add to them.
    for owner, (upload_url, *_rest) in _owners(world).items():
        response = _upload(client, upload_url, PDF)
        assert response.status_code in (403, 404), owner
    assert CaseAttachment.objects.count() == 1


def test_a_shared_partner_reads_but_does_not_add(world, client_for, desk, coordinator, partner):
    """The partner holds RECORDS on the case (consent-based share): it may download the
    case's attachments but not add to them; the desk's consultation stays the desk's."""
    urls = _seed_all(world, desk, coordinator, client_for)
    client = client_for(partner)

    assert client.get(urls["case"]).status_code == 200
    assert client.get(urls["consultation"]).status_code == 404
    response = _upload(client, reverse("cases:attachments", args=[world.case.pk]), PDF)
    assert response.status_code == 404
    assert CaseAttachment.objects.count() == 1


def _timeline(client, case) -> str:
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    start = page.index('id="timeline"')
    return page[start : page.index("</ul>", start)]


def test_the_case_timeline_lists_its_attachments_for_readers_of_its_records(
    world, client_for, desk, coordinator, partner
):
    """A scanned letter added to the case file shows on the case's timeline on the day
    it was added, linked to its download, for whoever reads the case's records (the
    lead desk, the partner's RECORDS share); the meeting's own papers do not."""
    urls = _seed_all(world, desk, coordinator, client_for)
    for user in (desk, partner):
        timeline = _timeline(client_for(user), world.case)
        assert 'class="tl-attachment"' in timeline, user
        assert "同意書 2024年4月.pdf（同意書のスキャン）" in timeline
        assert urls["case"] in timeline
        assert urls["meeting"] not in timeline


def test_a_partner_whose_case_share_ended_gets_404(world, client_for, desk, coordinator, partner):
    from cases import services as case_services

    urls = _seed_all(world, desk, coordinator, client_for)
    case_services.grant_end(actor=desk, grant=world.grant, reason="支援終了")
    assert client_for(partner).get(urls["case"]).status_code == 404


def test_meeting_attachments_follow_the_meeting_scope(
    world, client_for, desk, coordinator, partner, outsider
):
    """A 支援会議 member reads its papers only after acknowledging 守秘義務."""
    urls = _seed_all(world, desk, coordinator, client_for)
    member = world.member
    member.acknowledged_at = None
    member.save(update_fields=["acknowledged_at"])
    client = client_for(partner)

    assert client.get(urls["meeting"]).status_code == 404
    meeting_services.member_acknowledge(actor=partner, member=member)
    assert client.get(urls["meeting"]).status_code == 200
    assert client_for(outsider).get(urls["meeting"]).status_code == 404


def _refused(response, message):
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'class="error"' in page  # beside the field
    return page


@pytest.mark.parametrize("owner", OWNERS)
def test_html_named_pdf_is_refused_and_nothing_is_stored(
    owner, world, client_for, desk, coordinator, attachment_media
):
    upload_url, _download, model, _obj = _owners(world)[owner]
    client = client_for(_uploader(owner, desk, coordinator))

    response = _upload(client, upload_url, HTML, name="同意書.pdf")

    page = _refused(response, "添付できない種類のファイルです")
    assert "<script>alert" not in page
    assert not model.objects.exists()
    assert not _stored_files(attachment_media)


def test_a_pdf_carrying_html_is_served_as_a_download_never_inline(
    world, client_for, desk, attachment_media
):
    """Content that sniffs as PDF but carries markup (a polyglot) is stored as a PDF and
    only ever leaves as a download, with a name ending .pdf, nosniff and a sandbox."""
    client = client_for(desk)
    polyglot = PDF + HTML
    response = _upload(
        client, reverse("cases:attachments", args=[world.case.pk]), polyglot, name="x.html"
    )
    assert response.status_code == 302
    attachment = CaseAttachment.objects.get()
    assert attachment.original_name == "x.html.pdf"

    download = client.get(reverse("cases:attachment_download", args=[world.case.pk, attachment.pk]))

    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    assert "text/html" not in download["Content-Type"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", EXE),
        ("請求書.pdf", EXE),
        ("メモ.txt", "借金の督促が来ている".encode()),
        # docx/xlsx are zip archives: not taken (common/attachments.py ALLOWED_TYPES).
        ("報告.docx", b"PK\x03\x04\x14\x00\x06\x00" + b"[Content_Types].xml" + b"\0" * 100),
    ],
)
def test_wrongly_typed_uploads_are_refused_in_japanese(
    name, content, world, client_for, desk, attachment_media
):
    client = client_for(desk)
    response = _upload(client, reverse("cases:attachments", args=[world.case.pk]), content, name)
    _refused(response, "PDF・JPEG・PNG・TIFF・HEIC のみ添付できます")
    assert not CaseAttachment.objects.exists()
    assert not _stored_files(attachment_media)


def test_a_png_photo_is_taken_and_named_by_its_content(world, client_for, desk):
    client = client_for(desk)
    response = _upload(client, reverse("cases:attachments", args=[world.case.pk]), PNG, "写真")
    assert response.status_code == 302
    attachment = CaseAttachment.objects.get()
    assert (attachment.content_type, attachment.original_name) == ("image/png", "写真.png")


def test_an_oversized_upload_is_refused_in_japanese(
    world, client_for, desk, settings, attachment_media
):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    client = client_for(desk)
    big = PDF + b"0" * (1024 * 1024)

    response = _upload(client, reverse("households:attachments", args=[world.household.pk]), big)

    _refused(response, "ファイルが大きすぎます（1 MB）。1 MB までのファイルを添付してください。")
    assert not HouseholdAttachment.objects.exists()
    assert not _stored_files(attachment_media)


def test_an_empty_file_and_no_file_are_refused(world, client_for, desk, attachment_media):
    client = client_for(desk)
    url = reverse("households:attachments", args=[world.household.pk])
    for response in (_upload(client, url, b""), client.post(url, {"title": "同意書"})):
        page = response.content.decode()
        assert response.status_code == 200 and 'class="error"' in page
    assert not HouseholdAttachment.objects.exists()
    assert not _stored_files(attachment_media)


def test_the_title_is_stored_without_control_characters_and_shown_escaped(world, client_for, desk):
    client = client_for(desk)
    url = reverse("households:attachments", args=[world.household.pk])
    _upload(client, url, PDF, title="<b>通知書</b>\x07")
    assert HouseholdAttachment.objects.get().title == "<b>通知書</b>"
    page = client.get(reverse("households:detail", args=[world.household.pk])).content.decode()
    assert "&lt;b&gt;通知書&lt;/b&gt;" in page


@pytest.mark.parametrize(
    ("given", "content_type", "kept"),
    [
        ("../../etc/同意書.PDF", "application/pdf", "同意書.PDF"),
        ("C:\\Users\\desk\\scan.jpeg", "image/jpeg", "scan.jpeg"),
        ("a\x00b<c>.html", "application/pdf", "abc.html.pdf"),
        ("", "image/png", "添付ファイル.png"),
        ("長い" * 100 + ".pdf", "application/pdf", "長い" * 55 + ".pdf"),
    ],
)
def test_file_names_are_sanitised(given, content_type, kept):
    assert sanitise_name(given, content_type) == kept


def test_the_files_are_not_served_by_any_url(world, client_for, desk, attachment_media):
    """The storage directory has no URL: only the checked download reaches a file."""
    client = client_for(desk)
    _upload(client, reverse("cases:attachments", args=[world.case.pk]), PDF)
    [stored] = _stored_files(attachment_media)
    relative = stored.relative_to(attachment_media).as_posix()
    for prefix in ("/media/", "/media/attachments/", "/static/"):
        assert client.get(prefix + relative).status_code == 404


# ---------------------------------------------------------------- ClamAV


def test_an_unreachable_clamd_refuses_the_upload(world, client_for, desk, settings, tmp_path):
    """Fail closed: configured but not answering means no upload."""
    settings.CLAMD_SOCKET = str(tmp_path / "no-such-clamd.sock")
    client = client_for(desk)
    response = _upload(client, reverse("cases:attachments", args=[world.case.pk]), PDF)
    _refused(response, "ウイルス検査を実行できないため、添付を受け付けませんでした。")
    assert not CaseAttachment.objects.exists()


CLAMD = shutil.which("clamd") or ("/usr/sbin/clamd" if Path("/usr/sbin/clamd").exists() else None)


@pytest.fixture
def clamd_socket(tmp_path_factory):
    """A real clamd on a temporary unix socket, with a signature database of one
    signature: the EICAR test string anywhere in a file (there is no internet here for
    freshclam; a body signature needs no official database)."""
    if CLAMD is None:
        pytest.skip(
            "clamd is not installed (Debian package clamav-daemon; scripts/setup-system "
            "installs it): the EICAR upload test needs a real ClamAV daemon"
        )
    base = tmp_path_factory.mktemp("clamd")
    (base / "db").mkdir()
    (base / "db" / "eicar.ndb").write_text(f"Eicar-Test-Signature:0:*:{EICAR.hex()}\n")
    sock = base / "clamd.sock"
    conf = base / "clamd.conf"
    conf.write_text(
        f"LocalSocket {sock}\nDatabaseDirectory {base / 'db'}\nForeground yes\n"
        f"LogFile {base / 'clamd.log'}\nPidFile {base / 'clamd.pid'}\n"
        "StreamMaxLength 30M\nSelfCheck 0\n"
    )
    process = subprocess.Popen(
        [CLAMD, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while not sock.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                log = (base / "clamd.log").read_text() if (base / "clamd.log").exists() else ""
                pytest.fail(f"clamd did not start:\n{log}")
            time.sleep(0.1)
        yield str(sock)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_eicar_file_is_refused_by_a_real_clamd(
    world, client_for, desk, settings, clamd_socket, attachment_media
):
    settings.CLAMD_SOCKET = clamd_socket
    client = client_for(desk)
    url = reverse("cases:attachments", args=[world.case.pk])

    response = _upload(client, url, EICAR, name="eicar.pdf")
    _refused(response, "このファイルからウイルス（Eicar-Test-Signature")
    # Inside a real PDF too: the scan looks at the content, not at the type.
    response = _upload(client, url, PDF + EICAR + b"\n%%EOF\n", name="同意書.pdf")
    _refused(response, "ウイルス")
    assert not CaseAttachment.objects.exists()
    assert not _stored_files(attachment_media)

    # A clean file passes the same daemon.
    assert _upload(client, url, PDF).status_code == 302
    assert CaseAttachment.objects.count() == 1


def test_download_asks_for_the_password_again_when_it_is_stale(world, client_for, desk):
    """A download is an 出力: a stale password is asked for again first."""
    from accounts import security

    client = client_for(desk)
    _upload(client, reverse("cases:attachments", args=[world.case.pk]), PDF)
    attachment = CaseAttachment.objects.get()
    session = client.session
    session.pop(security.FRESH_AT_KEY)
    session.save()
    url = reverse("cases:attachment_download", args=[world.case.pk, attachment.pk])
    before = AccessLog.objects.filter(outcome=AccessLog.Outcome.EXPORT).count()

    response = client.get(url)

    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:reauth")
    )
    assert AccessLog.objects.filter(outcome=AccessLog.Outcome.EXPORT).count() == before


# ---------------------------------------------------------------- hostile files


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    content=st.one_of(
        st.binary(min_size=0, max_size=2048),
        st.binary(max_size=512).map(lambda b: b"%PDF" + b),
        st.binary(max_size=512).map(lambda b: b"\x89PNG\r\n\x1a\n" + b),
        st.binary(max_size=512).map(lambda b: b"PK\x03\x04" + b),
        st.just(HTML),
    ),
    name=st.text(max_size=300),
    title=st.text(max_size=150),
)
def test_any_file_and_name_is_stored_safely_or_refused(
    world, client_for, desk, content, name, title
):
    """Whatever bytes, file name and description come in: never a 500; stored only when
    the content sniffs as an allowed type, under a name that ends in that type's
    extension and holds no folder or control character; otherwise no row."""
    client = client_for(desk)
    url = reverse("cases:attachments", args=[world.case.pk])
    before = set(CaseAttachment.objects.values_list("pk", flat=True))
    safe_name = name.replace("\x00", "") or "f"
    response = client.post(url, {"file": SimpleUploadedFile(safe_name, content), "title": title})
    assert response.status_code in (200, 302)
    new = CaseAttachment.objects.exclude(pk__in=before)
    if response.status_code == 200:
        assert not new.exists()
        assert 'class="error"' in response.content.decode()
        return
    attachment = new.get()
    assert attachment.content_type in ALLOWED_TYPES
    assert (
        attachment.original_name.rsplit(".", 1)[1].lower()
        in EXTENSIONS[ALLOWED_TYPES[attachment.content_type][0]]
    )
    assert not any(c in attachment.original_name for c in '/\\\x00\n\r"')


def test_under_jusho_hitoku_only_those_who_may_see_the_address_open_the_papers(
    world, client_for, desk, coordinator, partner
):
    """住所秘匿: scanned letters carry the address. The partner reads the case's records
    (RECORDS share) but not the hidden household's address, so it neither lists nor
    opens the household's, consent's or case's files; the lead desk does."""
    from households import services as household_services

    urls = _seed_all(world, desk, coordinator, client_for)
    household_services.household_update(
        actor=desk, household=world.household, is_address_confidential=True
    )
    client = client_for(partner)

    assert client.get(urls["case"]).status_code == 404
    case_page = client.get(reverse("cases:case_detail", args=[world.case.pk])).content.decode()
    assert "住所秘匿の世帯のため、添付ファイルは住所を見られる機関" in case_page
    assert "同意書 2024年4月.pdf" not in case_page  # neither in 添付ファイル nor the timeline
    assert 'class="tl-attachment"' in _timeline(client_for(desk), world.case)
    assert AccessLog.objects.filter(
        user=partner, object_type="cases.case", outcome=AccessLog.Outcome.DENIED
    ).exists()
    lead = client_for(desk)
    for owner in ("household", "consent", "consultation", "case"):
        assert lead.get(urls[owner]).status_code == 200, owner
