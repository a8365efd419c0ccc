"""Demo data shared by every domain: the administrator account."""

from django.contrib.auth import get_user_model

DEMO_PASSWORD = "tidu-demo-2026"


def load(out) -> list[tuple[str, str, str]]:
    """Create the demo administrator; return the logins to print as (role, username, password)."""
    user_model = get_user_model()
    admin, created = user_model.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True, "role": "admin", "email": "admin@tidu.example"})
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    return [("系统管理员", "admin", DEMO_PASSWORD)]
