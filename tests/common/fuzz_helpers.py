"""Machinery for tests/common/test_fuzz_forms.py: hostile values, reading a form off the
page that shows it, finding every URL that takes a form, and checking what one request
did to the database and to the HTML it answered.

Nothing here knows a particular form: the test file's tables say which persona posts
to which URL with which objects; everything else is read from the rendered page (field
names, initial values, choices) the way a browser would read it.
"""

from __future__ import annotations

import datetime as dt
import dis
import functools
import inspect
import re
import sys
import traceback
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.core.signals import got_request_exception
from django.db import connection, models
from django.forms import BaseForm
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from hypothesis import strategies as st

from common import wareki

# ---------------------------------------------------------------- hostile values

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_ATTR = '"><img src=x onerror=alert(1)>'
XSS_SVG = "'><svg onload=alert(1)>"
# What must never reach a page unescaped: each is only ever on a page because a test
# posted it.
RAW_MARKERS = [XSS_SCRIPT, "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>"]
ONE_MB = "A" * (1024 * 1024)
LONG_NUMBER = "9" * 60  # no integer column holds it; longer than a 50-character id

SQL = [
    "' OR 1=1 --",
    "' OR '1'='1",
    "1; DROP TABLE cases_case; --",
    "1 UNION SELECT password FROM accounts_user --",
    "\\'; --",
]
MARKUP = [
    XSS_SCRIPT,
    XSS_ATTR,
    XSS_SVG,
    "{{ 7*7 }}{% debug %}",
    "%(name)s%s%n{0}",
    "javascript:alert(1)",
]
CONTROL = [
    "\x00",
    "a\x00b",
    "".join(chr(i) for i in range(0x20)),
    "\x1b[31m赤\x1b[0m",
    "line1\r\nline2\rline3",
    "\x7f\x85\u2028\u2029",
]
UNICODE = [
    "\u202eabc.exe",  # RTL override
    "家\u200d族\u200c\u200b",  # zero-width joiner / non-joiner / space
    "e\u0301\u0301\u0301\u0301",  # stacked combining marks
    "が\u3099ぱ\u309a",  # combining dakuten
    "👨\u200d👩\u200d👧\u200d👦🏳️\u200d🌈",
    "ﾔﾏﾀﾞ ﾀﾛｳ",  # half-width kana
    "ｶﾞｷﾞｸﾞ",
    "\ufeff\u3000\u00a0",
    "𠮷野家",  # outside the BMP
    "١٢٣٤",  # Arabic-Indic digits
    "１２３４５",
]
WAREKI = [
    "R1.4.30",
    "H31.5.1",
    "令和0年1月1日",
    "S64.1.8",
    "M45.7.30",
    "T15.12.25",
    "令和元年5月1日",
    "R99.12.31",
    "H0.1.1",
    "9999-99-99",
    "9999-12-31",
    "0001-01-01",
    "1868-01-01",
    "2024-02-30",
    "R060314",
    "Ｒ６．３．１４",
    "25:61",
    "24:00",
]
NUMBERS = [
    "9" * 40,
    LONG_NUMBER,
    "-1",
    "-9223372036854775809",
    "9223372036854775808",
    "2147483648",
    "1e308",
    "NaN",
    "-Infinity",
    "0x1F",
    "-0",
    "1_000",
    "²",  # str.isdigit() but not int()
    "①",
    "Ⅻ",
]
EMPTY = ["", " ", "\u3000", "\t\n"]
OTHER = ["../../../../etc/passwd", "null", "None", "true", "[]", "{}", "x" * 10_000]
# The huge values come last so that Hypothesis shrinks a failure towards a small one.
HOSTILE = [*EMPTY, *SQL, *MARKUP, *CONTROL, *UNICODE, *WAREKI, *NUMBERS, *OTHER, ONE_MB]

# Names a page never shows but a hostile client may post anyway (mass assignment and
# the query parameters views read).
EXTRA_NAMES = [
    "id",
    "pk",
    "case",
    "household",
    "consultation",
    "agency",
    "lead_agency",
    "is_staff",
    "is_superuser",
    "version",
    "next",
    "add_another",
    "status",
]

_random_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=0, max_size=40)


def hostile_text() -> st.SearchStrategy[str]:
    """One hostile value: a fixed payload, random text, or the two glued together."""
    fixed = st.sampled_from(HOSTILE)
    return st.one_of(
        fixed,
        _random_text,
        st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE[:-1]), _random_text),
    )


def hostile_value() -> st.SearchStrategy[str | list[str]]:
    """A value for one field: mostly a string, sometimes a list (repeated field)."""
    return st.one_of(
        hostile_text(),
        hostile_text(),
        hostile_text(),
        st.lists(hostile_text(), min_size=0, max_size=3),
    )


def hostile_data(
    names: Iterable[str], *, text: Iterable[str] = (), extra: Iterable[str] = ()
) -> st.SearchStrategy[dict]:
    """Hostile values for a non-empty subset of names, perhaps with names the form does
    not have; or, half the time, hostile strings in some of the free-text fields only
    (names in text), which the form should take and store as they are."""
    names = sorted(set(names))
    text = sorted(set(text))
    extra_names = sorted(set(extra) | set(EXTRA_NAMES))
    keys = st.sampled_from(names) if names else st.sampled_from(extra_names)
    anything = st.tuples(
        st.dictionaries(keys, hostile_value(), min_size=1, max_size=max(1, min(len(names), 6))),
        st.dictionaries(st.sampled_from(extra_names), hostile_text(), max_size=2),
    ).map(lambda pair: {**pair[1], **pair[0]})
    if not text:
        return anything
    in_text = st.dictionaries(st.sampled_from(text), hostile_text(), min_size=1)
    return st.one_of(anything, in_text)


# Keyset-paging cursors (common.paging: base64 of a JSON list; the access log's
# "<ISO time>_<id>"): a hostile client crafts them, so their insides are fuzzed too.
CURSOR_NAMES = {"after", "before", "cursor"}
CURSOR_PARTS = [
    "2024-04-01T09:00:00+09:00",
    "0001-01-01T00:00:00+09:00",
    "9999-12-31T23:59:59-12:00",
    "2024-04-01T09:00:00",  # naive
    "record:²",
    "record:" + LONG_NUMBER,
    LONG_NUMBER,
    "²",
    "-1",
    "",
    "\x00",
    XSS_SCRIPT,
]


def _encode_cursor(values) -> str:
    from common import paging

    return paging.encode_cursor(values)


def crafted_cursors() -> list[str]:
    """A fixed set of cursors with edge values inside, in both shapes."""
    now, first, last, naive = CURSOR_PARTS[:4]
    return [
        f"{first}_1",
        f"{now}_²",
        f"{now}_{LONG_NUMBER}",
        _encode_cursor([now, "record:²"]),
        _encode_cursor([now, "record:" + LONG_NUMBER]),
        _encode_cursor([first, "record:1"]),
        _encode_cursor([last, "record:1"]),
        _encode_cursor([naive, "x"]),
        _encode_cursor(["サトウ", LONG_NUMBER, "²"]),
        _encode_cursor(["0962933122", "1", LONG_NUMBER]),
        _encode_cursor([first, "1", "1"]),
        _encode_cursor([XSS_SCRIPT, XSS_SCRIPT]),
    ]


def hostile_cursor() -> st.SearchStrategy[str]:
    part = st.one_of(st.sampled_from(CURSOR_PARTS), _random_text)
    return st.one_of(
        hostile_text(),
        st.lists(part, min_size=1, max_size=4).map(_encode_cursor),
        st.builds(lambda a, b: f"{a}_{b}", part, part),
    )


def hostile_query(names: Iterable[str]) -> st.SearchStrategy[dict]:
    """Hostile values for some of a page's query parameters; cursors crafted inside."""
    names = sorted(set(names) | set(EXTRA_NAMES))
    return st.lists(st.sampled_from(names), min_size=1, max_size=6, unique=True).flatmap(
        lambda keys: st.fixed_dictionaries(
            {k: hostile_cursor() if k in CURSOR_NAMES else hostile_value() for k in keys}
        )
    )


# ---------------------------------------------------------------- reading a form off a page


@dataclass
class FormField:
    name: str
    kind: str  # text, textarea, select, radio, checkbox, hidden, date, time, number, ...
    values: list[str] = field(default_factory=list)  # what a browser sends untouched
    options: list[str] = field(default_factory=list)  # select/radio/checkbox values
    required: bool = False
    multiple: bool = False


@dataclass
class PageForm:
    action: str
    method: str
    fields: dict[str, FormField] = field(default_factory=dict)

    def field(self, name, kind, attrs) -> FormField:
        if name not in self.fields:
            self.fields[name] = FormField(name=name, kind=kind)
        f = self.fields[name]
        f.required = f.required or "required" in attrs
        return f


class _FormParser(HTMLParser):
    """Collects every <form> with its fields, the way a browser would submit it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self.by_id: dict[str, PageForm] = {}
        self.current: PageForm | None = None
        self.orphans: list[tuple[str, str, dict]] = []  # fields with form="id"
        self.select: FormField | None = None
        self.select_selected = False
        self.textarea: FormField | None = None
        self.text = ""

    def _owner(self, attrs):
        if attrs.get("form"):
            return self.by_id.get(attrs["form"])
        return self.current

    def handle_starttag(self, tag, attrs_list):
        attrs = {k: (v if v is not None else "") for k, v in attrs_list}
        if tag == "form":
            self.current = PageForm(
                action=attrs.get("action", ""), method=attrs.get("method", "get").lower()
            )
            self.forms.append(self.current)
            if attrs.get("id"):
                self.by_id[attrs["id"]] = self.current
            return
        owner = self._owner(attrs)
        name = attrs.get("name")
        if tag == "input" and name and owner is not None:
            kind = attrs.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            classes = attrs.get("class", "").split()
            if "date" in classes or "vDateField" in classes:
                kind = "date"
            elif "vTimeField" in classes:
                kind = "time"
            f = owner.field(name, kind, attrs)
            value = attrs.get("value", "")
            if kind in {"checkbox", "radio"}:
                f.options.append(value or "on")
                f.multiple = f.multiple or kind == "checkbox"
                if "checked" in attrs:
                    f.values.append(value or "on")
            else:
                f.values = [value]
        elif tag == "select" and name and owner is not None:
            self.select = owner.field(name, "select", attrs)
            self.select.multiple = "multiple" in attrs
            self.select_selected = False
        elif tag == "option" and self.select is not None:
            value = attrs.get("value")
            self.select.options.append(value if value is not None else "")
            if "selected" in attrs:
                self.select.values.append(value or "")
                self.select_selected = True
        elif tag == "textarea" and name and owner is not None:
            self.textarea = owner.field(name, "textarea", attrs)
            self.text = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.textarea.values = [self.text.removeprefix("\n")]
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.text += data


def parse_forms(html: str) -> list[PageForm]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def find_form(html: str, *, action_path: str, page_path: str, method="post") -> PageForm:
    """The form on the page that submits to action_path (an empty action is the page)."""
    found = []
    for form in parse_forms(html):
        target = urlsplit(form.action).path if form.action else page_path
        if form.method == method and target == action_path:
            found.append(form)
    if not found:
        raise AssertionError(f"no {method} form for {action_path} on {page_path}")
    merged = found[0]
    for extra in found[1:]:  # e.g. one attendance form per member: same fields
        for name, f in extra.fields.items():
            merged.fields.setdefault(name, f)
    return merged


def base_data(form: PageForm, overrides: dict | None = None) -> dict:
    """What a person filling the form in sensibly would send: the page's values, the
    first choice where a required choice is empty, a plain value in empty required boxes."""
    today = timezone.localdate().isoformat()
    data = {}
    for name, f in form.fields.items():
        if name == "csrfmiddlewaretoken":
            continue
        values = [v for v in f.values]
        if f.kind == "select" and f.required and not any(values):
            values = []  # Django marks the empty choice selected; a person picks one
        if f.kind == "select" and not values and f.options:
            non_empty = [o for o in f.options if o != ""]
            first = f.options[0]
            values = [non_empty[0]] if (f.required or first != "") and non_empty else [first]
            if f.multiple and not f.required:
                values = []
        elif f.kind == "radio" and not values and f.options and f.required:
            values = [f.options[0]]
        elif (
            not any(v.strip() for v in values)
            and f.required
            and f.kind
            not in (
                "checkbox",
                "radio",
                "select",
                "hidden",
            )
        ):
            if f.kind == "date":
                values = [today]
            elif f.kind == "time":
                values = ["10:00"]
            elif f.kind == "email":
                values = ["fuzz@example.jp"]
            elif f.kind == "number":
                values = ["1"]
            elif "kana" in name:
                values = ["テスト"]
            else:
                values = ["テスト入力"]
        if f.multiple or len(values) > 1:
            data[name] = values
        elif values:
            data[name] = values[0]
    data.update(overrides or {})
    return {k: v for k, v in data.items() if v is not None}


# ---------------------------------------------------------------- what one request did

# Written by reading a page (the access log) or by logging in: not part of a save.
UNTRACKED = {"accounts.accesslog", "sessions.session", "axes.accessattempt", "axes.accesslog"}


@functools.cache
def tracked_models() -> list[type[models.Model]]:
    out = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.label_lower in UNTRACKED or model._meta.proxy:
            continue
        if not model._meta.managed:
            continue
        out.append(model)
    return out


def _has_serial_pk(model) -> bool:
    return isinstance(
        model._meta.pk, models.AutoField | models.BigAutoField | models.SmallAutoField
    )


@dataclass
class Snapshot:
    """What the tracked tables hold at one moment.

    PostgreSQL: the rows this transaction inserted, updated and deleted per table
    (pg_stat_xact_user_tables, so an UPDATE shows too) and each table's pk sequence.
    SQLite: each table's row count and highest pk (an UPDATE does not show)."""

    changes: dict[str, tuple]
    tops: dict[str, int | None]

    def changed(self, after: Snapshot) -> dict[str, tuple]:
        return {
            t: (self.changes.get(t), after.changes.get(t))
            for t in set(self.changes) | set(after.changes)
            if self.changes.get(t) != after.changes.get(t)
        }

    def new_rows(self, after: Snapshot) -> list[tuple[type[models.Model], dict]]:
        """Rows inserted since this snapshot (serial pk above the one then)."""
        changed = self.changed(after)
        out = []
        for model in tracked_models():
            table = model._meta.db_table
            if table not in changed or not _has_serial_pk(model):
                continue
            qs = model._base_manager.all()
            top = self.tops.get(table)
            if top is not None:
                qs = qs.filter(pk__gt=top)
            out.extend((model, row) for row in qs.values())
        return out


@functools.cache
def _tables() -> dict[str, type[models.Model]]:
    return {m._meta.db_table: m for m in tracked_models()}


@functools.cache
def _sequences() -> dict[str, str]:
    """Table -> the name of its pk sequence (PostgreSQL identity columns)."""
    return {t: f"{t}_{m._meta.pk.column}_seq" for t, m in _tables().items() if _has_serial_pk(m)}


def snapshot() -> Snapshot:
    tracked = _tables()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables"
            )
            changes = {t: (i, u, d) for t, i, u, d in cursor.fetchall() if t in tracked}
            cursor.execute("SELECT sequencename, last_value FROM pg_sequences")
            sequences = dict(cursor.fetchall())
            tops = {t: sequences.get(name) for t, name in _sequences().items()}
            return Snapshot(changes, tops)
        q = connection.ops.quote_name
        parts = [
            f"SELECT COUNT(*), {f'MAX({q(m._meta.pk.column)})' if _has_serial_pk(m) else 'NULL'}"
            f" FROM {q(t)}"
            for t, m in tracked.items()
        ]
        cursor.execute(" UNION ALL ".join(parts))
        rows = cursor.fetchall()
    counts = {t: (int(c), top) for t, (c, top) in zip(tracked, rows, strict=True)}
    return Snapshot(counts, {t: top for t, (_c, top) in counts.items()})


def _values_of(row: dict) -> Iterable:
    for value in row.values():
        if isinstance(value, list | tuple):
            yield from value
        elif isinstance(value, dict):
            yield from value.values()
        else:
            yield value


def stored(value, rows: Iterable[dict]) -> bool:
    """Whether value (a cleaned form value) is held by one of rows, as it was cleaned:
    a string in full (exactly, or whole inside a longer text), a date as a date, as the
    local day of a datetime, or written into a text."""
    for row in rows:
        for held in _values_of(row):
            if isinstance(value, str) and isinstance(held, str):
                if held == value or value in held:
                    return True
            elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                if isinstance(held, str):  # written into a text, as 和暦 or ISO
                    if wareki.format_date(value) in held or value.isoformat() in held:
                        return True
                elif isinstance(held, dt.datetime):
                    if timezone.localtime(held).date() == value:
                        return True
                elif isinstance(held, dt.date) and held == value:
                    return True
    return False


@dataclass
class Captured:
    exceptions: list[str] = field(default_factory=list)
    forms: list[BaseForm] = field(default_factory=list)


@contextmanager
def capture_request():
    """Tracebacks of exceptions the request raised (the client answers 500 instead of
    raising) and the forms it validated."""
    captured = Captured()

    def on_exception(sender, request=None, **kwargs):
        captured.exceptions.append("".join(traceback.format_exception(*sys.exc_info())))

    original = BaseForm.full_clean

    def full_clean(self):
        original(self)
        if self.is_bound and self not in captured.forms:
            captured.forms.append(self)

    got_request_exception.connect(on_exception)
    BaseForm.full_clean = full_clean
    try:
        yield captured
    finally:
        BaseForm.full_clean = original
        got_request_exception.disconnect(on_exception)


def request_messages(response) -> list:
    """The messages the view added during the request (not yet shown)."""
    storage = getattr(response.wsgi_request, "_messages", None)
    return list(getattr(storage, "_queued_messages", []) or [])


def has_error_message(response) -> bool:
    return any(m.level >= message_levels.ERROR for m in request_messages(response))


def html_of(response) -> str | None:
    """The body of an HTML response (None for PDFs, files, redirects)."""
    if response.get("Content-Type", "").split(";")[0].strip() != "text/html":
        return None
    if getattr(response, "streaming", False):
        return None
    return response.content.decode("utf-8", errors="replace")


def unescaped_markers(html: str | None) -> list[str]:
    if not html:
        return []
    found = [m for m in RAW_MARKERS if m in html]
    if re.search(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", html, re.IGNORECASE):
        found.append("javascript: URL")
    return found


def shows_form_errors(html: str | None) -> bool:
    return bool(html) and (
        "has-error" in html or 'class="form-errors"' in html or 'class="errorlist' in html
    )


# ---------------------------------------------------------------- which URLs take input


def _codes(code):
    """A code object and the code objects nested in it (comprehensions, lambdas)."""
    yield code
    for const in code.co_consts:
        if inspect.iscode(const):
            yield from _codes(const)


def _view_codes(func):
    """The code of the view and of the module-level helpers it hands request to.

    Read from the code objects rather than the source file, so the answer holds while
    the file is being edited."""
    func = inspect.unwrap(func)
    module_globals = func.__globals__
    seen, todo, out = set(), [func], []
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for code in _codes(current.__code__):
            out.append(code)
            instructions = list(dis.get_instructions(code))
            for i, ins in enumerate(instructions[:-1]):
                nxt = instructions[i + 1]
                if ins.opname == "LOAD_GLOBAL" and nxt.argval == "request":
                    name = ins.argval
                    helper = module_globals.get(name)
                    if inspect.isfunction(helper) and helper.__module__ == func.__module__:
                        todo.append(helper)
    return out


def _allowed_methods(callback) -> set[str] | None:
    """The methods a require_http_methods/require_POST decorator lets through."""
    f = callback
    while f is not None:
        for cell in getattr(f, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if (
                isinstance(value, list | tuple)
                and value
                and all(isinstance(m, str) and m in {"GET", "POST", "HEAD", "PUT"} for m in value)
            ):
                return set(value)
        f = getattr(f, "__wrapped__", None)
    return None


def _uses(callback, word: str) -> bool:
    return any(word in code.co_names or word in code.co_consts for code in _view_codes(callback))


def named_views(patterns=None, namespace=""):
    """(url name, pattern, view callback) of every named URL outside the admin."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_views(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry, entry.callback


def accepts_post(callback) -> bool:
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return hasattr(view_class, "post") and "post" in view_class.http_method_names
    allowed = _allowed_methods(callback)
    if allowed is not None:
        return "POST" in allowed
    return _uses(callback, "POST")


def reads_query(callback) -> bool:
    if getattr(callback, "view_class", None) is not None:
        return False
    allowed = _allowed_methods(callback)
    if allowed is not None and "GET" not in allowed:
        return False
    return _uses(callback, "GET")


def query_names(callback) -> set[str]:
    """The query parameters a view reads by name: request.GET.get("x"), request.GET["x"]
    and module helpers called as helper(request, "x") (filter forms add theirs from the
    page)."""
    func = inspect.unwrap(callback)
    names = set()
    for code in _view_codes(callback):
        ins = list(dis.get_instructions(code))
        for i, one in enumerate(ins[:-2]):
            a, b = ins[i + 1], ins[i + 2]
            if one.argval == "GET" and one.opname.startswith("LOAD_ATTR"):
                if a.argval == "get" and b.opname == "LOAD_CONST" and isinstance(b.argval, str):
                    names.add(b.argval)  # request.GET.get("x")
                elif a.opname == "LOAD_CONST" and b.opname == "BINARY_SUBSCR":
                    names.add(a.argval)  # request.GET["x"]
            elif one.opname == "LOAD_GLOBAL" and a.argval == "request":
                helper = func.__globals__.get(one.argval)
                if (
                    inspect.isfunction(helper)
                    and helper.__module__ == func.__module__
                    and b.opname == "LOAD_CONST"
                    and isinstance(b.argval, str)
                ):
                    names.add(b.argval)  # _int_param(request, "x")
    return names


def post_url_names() -> set[str]:
    return {name for name, _p, cb in named_views() if accepts_post(cb)}


def query_url_names() -> set[str]:
    return {name for name, _p, cb in named_views() if reads_query(cb)}


def admin_add_url_names(apps_of_project: set[str]) -> set[str]:
    """admin:<app>_<model>_add of every model of the project's apps in the admin."""
    from django.contrib import admin

    return {
        f"admin:{model._meta.app_label}_{model._meta.model_name}_add"
        for model in admin.site._registry
        if model._meta.app_label in apps_of_project
    }


def view_for(name: str):
    for n, _p, cb in named_views():
        if n == name:
            return cb
    raise KeyError(name)
