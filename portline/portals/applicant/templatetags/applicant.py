"""Small template helpers for the applicant pages."""

from django import template

register = template.Library()


@register.filter
def field(form, name: str):
    """The bound field `name` of `form` (templates cannot index by a variable)."""
    return form[name]


@register.filter
def contains(collection, item) -> bool:
    return item in collection
