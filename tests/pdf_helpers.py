"""Reading generated PDFs back with poppler's tools (pdftotext, pdffonts)."""

import subprocess

from tests.system_tools import require


def pdf_text(tmp_path, data: bytes, name: str = "out.pdf") -> str:
    require("pdftotext")
    assert data.startswith(b"%PDF")
    path = tmp_path / name
    path.write_bytes(data)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return result.stdout


def embedded_fonts(tmp_path, data: bytes) -> list[str]:
    """Names of the fonts pdffonts lists with emb = yes."""
    require("pdffonts")
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    fonts = []
    for line in out.splitlines()[2:]:
        cols = line.split()
        if len(cols) >= 6 and cols[-5] == "yes":
            fonts.append(cols[0])
    return fonts


def page_size_mm(tmp_path, data: bytes) -> tuple[float, float]:
    require("pdfinfo")
    path = tmp_path / "info.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("Page size:"))
    w, h = (float(v) for v in line.split(":")[1].split("pts")[0].split("x"))
    return round(w * 25.4 / 72), round(h * 25.4 / 72)
