"""{% row_url 'cases:case_detail' c.pk %}: {% url %} for the rows of a long list (see
common.row_urls). Like {% url %}, the output is escaped when autoescaping is on."""

from django import template

from common.row_urls import row_url

register = template.Library()
register.simple_tag(row_url, name="row_url")
