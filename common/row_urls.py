"""row_url('cases:case_detail', case.pk): reverse() for the rows of a long list.

reverse() matches the pattern against its arguments on every call; a list of 30 to 50
rows did that once a row. Here the pattern is reversed once per URLconf and script
prefix with numbered holes, and a row's integer ids are put into them. Anything else
(a non-integer argument, a pattern the holes do not survive) goes through reverse(),
so the address is always the one reverse() gives. Templates use {% row_url %}
(common.templatetags.row_urls)."""

from functools import lru_cache

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

# Digits, so an <int:…> converter accepts them; long, so no other part of a URL has them.
_HOLES = ("9990000000000001", "9990000000000002", "9990000000000003")


@lru_cache(maxsize=512)
def _parts(name: str, holes: int, urlconf: str, prefix: str) -> tuple[str, ...] | None:
    """The reversed URL cut at each hole: holes + 1 pieces, or None."""
    try:
        url = reverse(name, args=_HOLES[:holes], urlconf=urlconf)
    except NoReverseMatch:  # a converter that takes no digits: reverse() each time
        return None
    parts = []
    for hole in _HOLES[:holes]:
        if url.count(hole) != 1:
            return None
        before, url = url.split(hole)
        parts.append(before)
    parts.append(url)
    return tuple(parts)


def row_url(name: str, *args) -> str:
    if 0 < len(args) <= len(_HOLES) and all(type(a) is int and a >= 0 for a in args):
        urlconf = get_urlconf() or settings.ROOT_URLCONF
        parts = _parts(name, len(args), urlconf, get_script_prefix())
        if parts is not None:
            pieces = [parts[0]]
            for arg, part in zip(args, parts[1:], strict=True):
                pieces += [str(arg), part]
            return "".join(pieces)
    return reverse(name, args=args)
