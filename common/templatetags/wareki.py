from django import template

from common import wareki as w

register = template.Library()


def _local_date(value):
    """Aware datetimes are shown on their Japanese calendar day."""
    import datetime as dt

    from django.utils import timezone

    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


@register.filter
def wareki(value):
    """{{ date|wareki }} -> 令和6年3月14日"""
    return w.format_date(_local_date(value))


@register.filter
def wareki_weekday(value):
    return w.format_date(_local_date(value), with_weekday=True)


@register.filter
def wareki_short(value):
    """Dates on pages have one style, 令和6年3月14日 (issue 19: R6.3.14 beside
    令和6年3月14日 on one page read as two kinds of date). The compact R6.3.14 stays the
    style staff type (common.forms.WarekiDateInput shows it in input boxes)."""
    return w.format_date(_local_date(value))


@register.filter
def wareki_datetime(value):
    if not value:
        return ""
    from django.utils import timezone

    local = timezone.localtime(value)
    return f"{w.format_date(local)} {local:%H:%M}"


@register.filter
def age(birth_date):
    from django.utils import timezone

    result = w.age_on(birth_date, timezone.localdate())
    return "" if result is None else f"{result}歳"
