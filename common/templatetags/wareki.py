from django import template

from common import wareki as w

register = template.Library()


@register.filter
def wareki(value):
    """{{ date|wareki }} -> 令和6年3月14日"""
    return w.format_date(value)


@register.filter
def wareki_weekday(value):
    return w.format_date(value, with_weekday=True)


@register.filter
def wareki_short(value):
    return w.format_short(value)


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
