"""ホーム for desk managers: the way in to bringing ledgers in and taking them out."""

from django.urls import reverse
from django.utils.translation import gettext as _

from cases.registry import register_home
from imports.services import manager_agency


@register_home
def imports_link(request):
    if manager_agency(request.user) is None:
        return None
    return {
        "title": _("台帳の取込・出力"),
        "template": "imports/home_link.html",
        "context": {"url": reverse("imports:index")},
        "count": None,
        "order": 2,
    }
