"""Every URL pattern of the project as a concrete URL, for the tests that walk them all
(tests/accounts/test_views.py anonymously, tests/common/test_idor.py as a user)."""

import re
import uuid

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, SlugConverter, UUIDConverter
from django.urls.resolvers import RoutePattern

# Sample values by converter; any other converter (str, path, custom) gets OTHER.
SAMPLE = {IntConverter: "1", SlugConverter: "x", UUIDConverter: str(uuid.uuid4())}
OTHER = "1"


def example(pattern, values=None) -> str:
    """A concrete piece of path the pattern matches. values maps a keyword argument's
    name to the value to use; otherwise converters get SAMPLE values, regex groups
    their first literal alternative (admin:app_list's app label) or OTHER."""
    values = values or {}
    if isinstance(pattern, RoutePattern):
        converters = pattern.converters

        def param(match):
            name = match.group(1)
            return str(values.get(name, SAMPLE.get(type(converters[name]), OTHER)))

        return re.sub(r"<(?:[^>:]+:)?([^>]+)>", param, str(pattern))

    def group(match):
        if match.group(1) in values:
            return str(values[match.group(1)])
        first = match.group(2).split("|")[0]
        return first if re.fullmatch(r"[\w-]+", first) else OTHER

    regex = str(pattern).removeprefix("^").removesuffix("$")
    regex = re.sub(r"\((?:\?P<(\w+)>)?([^()]*)\)", group, regex)
    return re.sub(r"\\(.)", r"\1", regex)


def all_routes(values=None, patterns=None, prefix="/", namespace=""):
    """(label, url, pattern) for every URL pattern, the admin's and unnamed ones
    included; label is the URL name, or namespace and URL for an unnamed pattern."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            sub = prefix + example(entry.pattern, values)
            yield from all_routes(values, entry.url_patterns, sub, ns)
        elif isinstance(entry, URLPattern):
            url = prefix + example(entry.pattern, values)
            label = f"{namespace}{entry.name}" if entry.name else f"{namespace}{url}"
            yield label, url, entry
