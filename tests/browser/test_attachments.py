"""Issue 17 in a real browser: the desk scans a signed 同意書, attaches it to the consent
from the household page, and downloads it again (a download, never shown inline)."""

import datetime as dt
from pathlib import Path

from playwright.sync_api import expect
from weasyprint import HTML

from households.models import ConsentAttachment
from tests.factories import ConsentFactory, HouseholdFactory, PersonFactory

SHOTS = Path(__file__).resolve().parent.parent.parent / "test-results"
PASSWORD = "correct-horse-battery"


def _scanned_consent_pdf() -> bytes:
    """A one-page 同意書 as a desk's scanner would produce it (a real PDF)."""
    return HTML(
        string=(
            "<html lang='ja'><body style='font-family: Noto Sans CJK JP'>"
            "<h1>同意書</h1><p>私は、支援のために必要な範囲で、私と世帯の情報を"
            "地域包括支援センターと共有することに同意します。</p>"
            "<p>令和6年4月1日　氏名　田中 花子（署名）</p></body></html>"
        )
    ).write_pdf()


def test_a_scanned_consent_form_is_attached_to_the_consent_and_downloaded(
    transactional_db, page, live_url, login, desk, desk_agency, partner_agency, tmp_path
):
    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="田中さん世帯")
    person = PersonFactory(household=household, actor=desk, family_name="田中", given_name="花子")
    consent = ConsentFactory(
        person=person,
        agencies=[partner_agency],
        recorded_by=desk,
        obtained_on=dt.date(2024, 4, 1),
    )
    scan = tmp_path / "同意書_田中花子.pdf"
    scan.write_bytes(_scanned_consent_pdf())
    login(page, live_url, "desk", PASSWORD)

    page.goto(f"{live_url}/households/{household.pk}/")
    page.get_by_role("link", name="同意書を添付").click()
    expect(page.get_by_role("heading", name="本人同意（田中 花子）の同意書")).to_be_visible()
    expect(page.get_by_label("内容")).to_have_value("同意書のスキャン")
    page.get_by_label("ファイル").set_input_files(str(scan))
    page.screenshot(path=str(SHOTS / "issue17_consent_attach_form.png"), full_page=True)
    page.get_by_role("button", name="添付する").click()

    expect(page.get_by_text("同意書のファイルを添付しました。")).to_be_visible()
    link = page.get_by_role("link", name="同意書_田中花子.pdf", exact=True)
    expect(link).to_be_visible()
    page.screenshot(path=str(SHOTS / "issue17_consent_attached.png"), full_page=True)
    attachment = ConsentAttachment.objects.get()
    assert attachment.owner == consent and attachment.content_type == "application/pdf"
    assert attachment.uploaded_by == desk

    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "同意書_田中花子.pdf"
    assert Path(download.path()).read_bytes() == scan.read_bytes()

    # The household page counts it on the consent's row.
    page.goto(f"{live_url}/households/{household.pk}/")
    expect(page.get_by_role("link", name="同意書（1件）")).to_be_visible()

    # A file that is not a PDF or image (markup named .pdf) is refused beside the field.
    fake = tmp_path / "同意書.pdf"
    fake.write_bytes(b"<html><script>alert(1)</script></html>")
    page.get_by_role("link", name="同意書（1件）").click()
    page.get_by_label("ファイル").set_input_files(str(fake))
    page.get_by_role("button", name="添付する").click()
    expect(page.locator(".field.has-error .error")).to_contain_text(
        "添付できない種類のファイルです"
    )
    page.screenshot(path=str(SHOTS / "issue17_consent_refused.png"), full_page=True)
    assert ConsentAttachment.objects.count() == 1


def test_a_letter_is_attached_from_the_case_page_and_a_big_file_is_refused(
    transactional_db, page, live_url, login, desk, desk_agency, tmp_path, settings
):
    from cases import services as case_services
    from cases.choices import CasePersonRole
    from cases.models import CaseAttachment

    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="佐藤さん世帯")
    person = PersonFactory(household=household, actor=desk, family_name="佐藤")
    case = case_services.case_open(
        actor=desk,
        household=household,
        lead_agency=desk_agency,
        lead_staff=desk,
        title="佐藤さん世帯の支援",
        persons=[(person, CasePersonRole.PRINCIPAL)],
    )
    letter = tmp_path / "督促状.pdf"
    letter.write_bytes(_scanned_consent_pdf())
    login(page, live_url, "desk", PASSWORD)

    page.goto(f"{live_url}/cases/{case.pk}/")
    section = page.locator("#attachments")
    expect(section.get_by_text("添付ファイルはありません。")).to_be_visible()
    section.get_by_label("ファイル").set_input_files(str(letter))
    section.get_by_label("内容").fill("督促状")
    section.get_by_role("button", name="添付する").click()

    expect(page.get_by_text("ファイルを添付しました。")).to_be_visible()
    assert page.url.endswith(f"/cases/{case.pk}/#attachments")
    expect(
        page.locator("#attachments").get_by_role("link", name="督促状.pdf", exact=True)
    ).to_be_visible()
    page.locator("#attachments").screenshot(path=str(SHOTS / "issue17_case_attachments.png"))
    assert CaseAttachment.objects.get().title == "督促状"

    settings.ATTACHMENT_MAX_BYTES = 1024
    page.locator("#attachments").get_by_label("ファイル").set_input_files(str(letter))
    page.locator("#attachments").get_by_role("button", name="添付する").click()
    expect(page.locator(".field.has-error .error")).to_contain_text("ファイルが大きすぎます")
    assert CaseAttachment.objects.count() == 1


def test_a_file_attached_to_the_wrong_person_is_withdrawn_with_a_reason(
    transactional_db,
    page,
    live_url,
    login,
    desk,
    desk_agency,
    partner_agency,
    tmp_path,
    attachment_media,
):
    """The desk attached another family's letter to 田中さん's consent: 取り消す asks why
    (refusing an empty reason beside the field), deletes the file and lists the row
    without its name."""
    household = HouseholdFactory(registered_by_agency=desk_agency, actor=desk, name="田中さん世帯")
    person = PersonFactory(household=household, actor=desk, family_name="田中", given_name="花子")
    ConsentFactory(person=person, agencies=[partner_agency], recorded_by=desk)
    wrong = tmp_path / "鈴木一郎_通知書.pdf"
    wrong.write_bytes(_scanned_consent_pdf())
    login(page, live_url, "desk", PASSWORD)
    page.goto(f"{live_url}/households/{household.pk}/")
    page.get_by_role("link", name="同意書を添付").click()
    page.get_by_label("ファイル").set_input_files(str(wrong))
    page.get_by_role("button", name="添付する").click()
    expect(page.get_by_role("link", name="鈴木一郎_通知書.pdf", exact=True)).to_be_visible()

    page.get_by_role("link", name="鈴木一郎_通知書.pdf を取り消す").click()
    expect(page.get_by_role("heading", name="添付ファイルの取り消し")).to_be_visible()
    page.get_by_role("button", name="取り消してファイルを削除する").click()
    expect(page.locator(".field.has-error .error")).to_contain_text(
        "取り消しの理由を入力してください。"
    )
    page.get_by_label("取り消しの理由").fill("別の方の通知書を誤って添付したため")
    page.screenshot(path=str(SHOTS / "attachment_withdraw_form.png"), full_page=True)
    page.get_by_role("button", name="取り消してファイルを削除する").click()

    expect(page.get_by_text("添付ファイルを取り消しました。")).to_be_visible()
    expect(page.get_by_text("取り消された添付ファイル")).to_be_visible()
    expect(page.get_by_text("別の方の通知書を誤って添付したため")).to_be_visible()
    expect(page.get_by_text("鈴木一郎_通知書.pdf")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "attachment_withdrawn.png"), full_page=True)
    attachment = ConsentAttachment.objects.get()
    assert attachment.withdrawn_by == desk and not attachment.file
    # The consent no longer counts a signed form: the household page offers to attach one.
    page.goto(f"{live_url}/households/{household.pk}/")
    expect(page.get_by_role("link", name="同意書を添付")).to_be_visible()
    assert [p for p in attachment_media.rglob("*") if p.is_file()] == []
