"""The printable つなぐシート: real PDFs, read back with poppler's tools."""

import subprocess

import pytest
from django.urls import reverse

from accounts.models import AccessLog
from tests.factories_intake import ConnectSheetFactory
from tests.system_tools import require


@pytest.fixture(autouse=True)
def _poppler():
    require("pdftotext")
    require("pdffonts")


def _pdf_text(tmp_path, data: bytes) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return result.stdout


def _embedded_fonts(tmp_path, data: bytes) -> list[str]:
    """Names of the fonts pdffonts lists with emb = yes."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    fonts = []
    for line in out.splitlines()[2:]:  # two header lines
        cols = line.split()
        # ... emb sub uni object-number generation: emb is the fifth from the end.
        if len(cols) >= 6 and cols[-5] == "yes":
            fonts.append(cols[0])
    return fonts


def test_sheet_pdf(tmp_path, client_for, municipal, municipal_agency):
    sheet = ConnectSheetFactory(
        sender=municipal, sender_agency=municipal_agency, name="架空 太郎", topic_other=""
    )

    response = client_for(municipal).get(reverse("intake:sheet_pdf", args=[sheet.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF")
    text = _pdf_text(tmp_path, data)
    for expected in [
        "相談をつなぐシート",
        "氏名",
        "架空 太郎",
        "カクウタロウ",
        "昭和50年6月1日",
        "署名",
    ]:
        assert expected in text, expected
    assert "■ 介護" in text and "■ 債務" in text and "□ 教育" in text
    fonts = _embedded_fonts(tmp_path, data)
    assert any("CJK" in f or "Noto" in f for f in fonts), fonts
    assert AccessLog.objects.filter(
        user=municipal, object_id=str(sheet.pk), outcome=AccessLog.Outcome.EXPORT
    ).exists()


def test_blank_sheet_pdf(tmp_path, client_for, municipal):
    response = client_for(municipal).get(reverse("intake:sheet_blank_pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(tmp_path, response.content)
    assert "氏名" in text and "ふりがな" in text and "署名" in text
    assert "□ 病気や健康" in text and "■" not in text
    fonts = _embedded_fonts(tmp_path, response.content)
    assert any("CJK" in f or "Noto" in f for f in fonts), fonts


def test_pdf_of_another_senders_sheet_is_404(
    client_for, municipal, municipal_agency, other_municipal
):
    sheet = ConnectSheetFactory(sender=municipal, sender_agency=municipal_agency)
    response = client_for(other_municipal).get(reverse("intake:sheet_pdf", args=[sheet.pk]))
    assert response.status_code == 404
