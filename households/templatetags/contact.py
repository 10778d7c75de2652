"""{% contact obj "field" %}: the guarded accessor for contact details in templates.

    {% load contact %}
    {% contact household "address" %}        住所 (or 「（秘匿）」)
    {% contact household "postal_address" %} 〒 and 住所
    {% contact household "phone" %}
    {% contact person "phones" %}            自宅 and 携帯
    {% contact person "mobile_phone" as tel %}

The reader is the request's user; a PDF rendered without a request passes `user` in its
context. With neither, everything is hidden. households.contact says what may be read.
"""

from django import template
from django.utils.html import format_html

from households.contact import HIDDEN, contact_value

register = template.Library()


def _reader(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return user if user is not None else context.get("user")


@register.simple_tag(takes_context=True)
def contact(context, obj, field):
    if obj is None or obj == "":
        return ""
    value = contact_value(_reader(context), obj, field)
    if value is None:
        return format_html('<span class="muted">{}</span>', HIDDEN)
    return value  # simple_tag escapes it
