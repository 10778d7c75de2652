"""PDFs with WeasyPrint: A4, Japanese font (Noto Sans CJK JP / IPAex) embedded and subset.

Without a font that covers Japanese, WeasyPrint would still write a PDF, with every
kanji and kana drawn as an empty box (.notdef). A desk would file such a paper without
noticing, so no PDF is made then: render_pdf raises JapaneseFontMissing, which the
middleware below turns into a Japanese error page and the report task into a failed
report with the same message.
"""

import ctypes
import ctypes.util
import functools
import logging

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class JapaneseFontMissing(RuntimeError):
    """No font known to fontconfig covers Japanese."""

    def __init__(self):
        super().__init__(
            _(
                "日本語フォントがサーバーにないため、PDF を作成できません。"
                "システム管理者に連絡してください（fonts-noto-cjk の導入が必要です）。"
            )
        )


class _FcFontSet(ctypes.Structure):
    _fields_ = [("nfont", ctypes.c_int), ("sfont", ctypes.c_int), ("fonts", ctypes.c_void_p)]


def _count_fonts_for(lang: str) -> int:
    """How many fonts fontconfig lists for the language (as `fc-list :lang=ja` does)."""
    path = ctypes.util.find_library("fontconfig") or "libfontconfig.so.1"
    fc = ctypes.CDLL(path)
    fc.FcInitLoadConfigAndFonts.restype = ctypes.c_void_p
    fc.FcNameParse.restype = ctypes.c_void_p
    fc.FcNameParse.argtypes = [ctypes.c_char_p]
    fc.FcObjectSetBuild.restype = ctypes.c_void_p
    fc.FcFontList.restype = ctypes.POINTER(_FcFontSet)
    fc.FcFontList.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    for name in ("FcPatternDestroy", "FcObjectSetDestroy", "FcFontSetDestroy", "FcConfigDestroy"):
        getattr(fc, name).argtypes = [ctypes.c_void_p]
    config = fc.FcInitLoadConfigAndFonts()
    pattern = fc.FcNameParse(f":lang={lang}".encode())
    objects = fc.FcObjectSetBuild(b"family", None)
    fonts = fc.FcFontList(config, pattern, objects)
    try:
        return fonts.contents.nfont if fonts else 0
    finally:
        if fonts:
            fc.FcFontSetDestroy(ctypes.cast(fonts, ctypes.c_void_p))
        fc.FcObjectSetDestroy(objects)
        fc.FcPatternDestroy(pattern)
        fc.FcConfigDestroy(config)


@functools.cache
def japanese_font_available() -> bool:
    """True when fontconfig knows a font for Japanese (checked once per process)."""
    try:
        return _count_fonts_for("ja") > 0
    except OSError:  # no libfontconfig at all: WeasyPrint could not run either
        return False


def ensure_japanese_font() -> None:
    if not japanese_font_available():
        logger.error(
            "No Japanese font is installed (fontconfig lists none for :lang=ja); "
            "refusing to write a PDF of empty boxes. Install fonts-noto-cjk "
            "(make demo / make test do it through scripts/setup-system)."
        )
        raise JapaneseFontMissing


def render_pdf(template: str, context: dict, *, request=None) -> bytes:
    from weasyprint import HTML

    ensure_japanese_font()
    html = render_to_string(template, context, request=request)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def pdf_response(data: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(data, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store, private"
    return response


class PdfFontMiddleware:
    """A PDF view that cannot make its PDF answers with a Japanese page saying why (503)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, JapaneseFontMissing):
            return render(request, "pdf_unavailable.html", {"message": str(exception)}, status=503)
        return None
