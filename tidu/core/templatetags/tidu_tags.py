from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Look a key up in a dict from a template (dict.key cannot take a variable key)."""
    return mapping.get(key, "") if mapping else ""
