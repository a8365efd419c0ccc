from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Look a key up in a dict from a template (dict.key cannot take a variable key)."""
    return mapping.get(key, "") if mapping else ""


@register.simple_tag(takes_context=True)
def allowed(context, operation_name, obj):
    """``{% allowed "application.city_receive" application as can_receive %}``: the operation's own check().

    Templates never compare status strings; they ask the operation whether the current user may do it now.
    """
    from tidu.core.operations import operation

    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if obj is None or user is None:
        return False
    return bool(operation(operation_name, obj).check(user))
