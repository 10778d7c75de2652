"""Minutes and agenda PDFs: the Japanese text is really there (pdftotext), the CJK font
is embedded (pdffonts), dates are 和暦, 支援会議 pages carry 取扱注意・守秘義務."""

import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from common import wareki
from meetings import services
from tests.meetings.conftest import SECRET_BRIEF
from tests.system_tools import require

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _poppler():
    require("pdftotext")
    require("pdffonts")


def _pdf(client, url, tmp_path):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "out.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return text, fonts


def _embedded_cjk(fonts: str) -> bool:
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    return any(("CJK" in line or "IPA" in line) and line.split()[-5] == "yes" for line in rows)


def test_support_meeting_minutes_pdf(client_for, desk, support_meeting, tmp_path):
    item = support_meeting.case_item
    services.minutes_save(
        actor=desk,
        item=item,
        discussion="学校と包括の情報を共有した。",
        decisions="包括が来週訪問する。",
    )
    services.meeting_finalise(actor=desk, meeting=support_meeting)
    text, fonts = _pdf(
        client_for(desk), reverse("meetings:minutes_pdf", args=[support_meeting.pk]), tmp_path
    )
    flat = "".join(text.split())
    assert "取扱注意・守秘義務" in flat
    assert "学校と包括の情報を共有した。" in flat
    assert "包括が来週訪問する。" in flat
    assert "".join(SECRET_BRIEF.split()) in flat
    day = timezone.localtime(support_meeting.starts_at).date()
    assert wareki.format_date(day) in flat  # 令和…年…月…日
    assert _embedded_cjk(fonts), fonts


def test_agenda_pdf_lists_the_briefs(client_for, partner, support_meeting, tmp_path):
    text, fonts = _pdf(
        client_for(partner), reverse("meetings:agenda_pdf", args=[support_meeting.pk]), tmp_path
    )
    flat = "".join(text.split())
    assert "会議資料" in flat and "取扱注意・守秘義務" in flat
    assert "".join(SECRET_BRIEF.split()) in flat
    assert _embedded_cjk(fonts), fonts


def test_multilayer_minutes_pdf_is_not_marked_secret(
    client_for, coordinator, multilayer_meeting, tmp_path
):
    services.minutes_save(
        actor=coordinator,
        item=multilayer_meeting.case_item,
        discussion="プランの内容を確認した。",
        decisions="プランを承認する。",
    )
    text, fonts = _pdf(
        client_for(coordinator),
        reverse("meetings:minutes_pdf", args=[multilayer_meeting.pk]),
        tmp_path,
    )
    flat = "".join(text.split())
    assert "プランの内容を確認した。" in flat and "重層的支援会議" in flat
    assert "取扱注意・守秘義務" not in flat
    assert _embedded_cjk(fonts), fonts
