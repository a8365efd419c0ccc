"""Role checks for templates (``{% load roles %}{% if user|is_city %}``): the same definitions as accounts.permissions."""

from django import template

from tidu.accounts import permissions

register = template.Library()

register.filter("role_of", permissions.role_of)
register.filter("is_enterprise", permissions.is_enterprise_user)
register.filter("is_township", permissions.is_township_user)
register.filter("is_city", permissions.is_city_user)
register.filter("is_expert", permissions.is_expert)
register.filter("is_admin", permissions.is_admin)
register.filter("is_security_admin", permissions.is_security_admin)
register.filter("is_auditor", permissions.is_auditor)
