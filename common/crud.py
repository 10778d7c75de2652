"""The steps that create, edit and list pages share, as plain functions.

A write page reads top to bottom in its own view: fetch what it is about (through the
app's access getter: this module decides nothing about access), build the form, bind
the service to the actor and the object with functools.partial, hand both to
`save_form`, and redirect when it returns the saved object, else render the form
again. Each views module names its app's rule error once (REFUSED) for `refused=`;
an edit page passes `edit=True`. community.views shows the pattern.

A list page reads its filter form with `filter_values` (an invalid query string lists
as if unfiltered) and pages the selector's rows with `paginate`.

Any app may use these (meetings, cases and referrals repeat the same steps); a page
whose flow differs (several forms on one page, a write that is not a form's) keeps its
own code rather than bending these helpers.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator

from common.services import StaleEdit

VERSION_FIELD = "version"


def form_values(form) -> dict[str, Any]:
    """The validated values a service takes as keywords: all but the hidden version."""
    return {k: v for k, v in form.cleaned_data.items() if k != VERSION_FIELD}


def save_form(
    request,
    form,
    write: Callable[..., Any],
    success: str | Callable[[Any], str],
    *,
    refused: type[Exception] | tuple[type[Exception], ...] = (),
    edit: bool = False,
) -> Any | None:
    """The POST half of a create or edit page.

    On a POST with a valid form, call `write(**form_values(form))` (an edit page, with
    `edit=True`, also passes the version the form was loaded at as `expected_version`,
    so a stale save raises StaleEdit). A refusal (StaleEdit, or the app's rule error
    given as `refused`) goes to the form's non-field errors and None is returned, so the
    view renders the form again; so it does for a GET or an invalid form. On success,
    flash `success` (a message, or a function of the saved object giving one) and
    return what `write` returned.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    values = form_values(form)
    if edit:
        values["expected_version"] = form.cleaned_data.get(VERSION_FIELD)
    refusals = refused if isinstance(refused, tuple) else (refused,)
    try:
        saved = write(**values)
    except (StaleEdit, *refusals) as exc:
        form.add_error(None, exc)
        return None
    messages.success(request, success(saved) if callable(success) else success)
    return saved


def filter_values(form) -> dict[str, Any]:
    """A list's filters: the cleaned values, or none when the query string is invalid."""
    return form.cleaned_data if form.is_valid() else {}


def paginate(rows, number, per_page: int = 30) -> Page:
    """The page of rows numbered `number` (the view's request.GET.get("page"), read in
    the view so the page parameter stays visible there); the last page when past the
    end, the first when not a number."""
    return Paginator(rows, per_page).get_page(number)
