"""Password policy beyond Django's validators (settings.AUTH_PASSWORD_VALIDATORS):

* ``CharacterClassesValidator``: at least ``min_classes`` of upper-case letters, lower-case letters, digits and
  other characters (等保 asks for complexity as well as length).
* ``PasswordHistoryValidator``: none of the account's last ``count`` passwords again; each new password's hash
  is kept in ``PasswordHistory`` (only hashes, never the password).
"""

from __future__ import annotations

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    @staticmethod
    def classes(password: str) -> int:
        return sum((any(c.isupper() for c in password), any(c.islower() for c in password),
                    any(c.isdigit() for c in password), any(not c.isalnum() for c in password)))

    def validate(self, password, user=None):
        if self.classes(password) < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、其他符号中的至少 %(count)s 类。") % {"count": self.min_classes},
                code="password_too_simple")

    def get_help_text(self):
        return _("至少包含大写字母、小写字母、数字、其他符号中的 %(count)s 类。") % {"count": self.min_classes}


class PasswordHistoryValidator:
    def __init__(self, count: int = 5):
        self.count = count

    def _recent_hashes(self, user) -> list[str]:
        from tidu.accounts.models import PasswordHistory

        return list(PasswordHistory.objects.filter(user=user).order_by("-created_at", "-id")
                    .values_list("password", flat=True)[:self.count])

    def validate(self, password, user=None):
        if user is None or user.pk is None or self.count <= 0:
            return
        from tidu.accounts.models import User

        current = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        for encoded in [current, *self._recent_hashes(user)]:
            if encoded and check_password(password, encoded):
                raise ValidationError(
                    ngettext("不能使用最近用过的密码，请另设一个。", "不能使用最近 %(count)s 次用过的密码，请另设一个。",
                             self.count) % {"count": self.count}, code="password_reused")

    def password_changed(self, password, user=None):
        from tidu.accounts.models import PasswordHistory

        if user is None or user.pk is None or not user.password:
            return
        PasswordHistory.objects.create(user=user, password=user.password)
        keep = PasswordHistory.objects.filter(user=user).order_by("-created_at", "-id").values_list("pk", flat=True)
        PasswordHistory.objects.filter(user=user).exclude(pk__in=list(keep[:self.count])).delete()

    def get_help_text(self):
        return _("不能与最近 %(count)s 次用过的密码相同。") % {"count": self.count}
