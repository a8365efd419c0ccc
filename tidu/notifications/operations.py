"""Every change of state in the notifications domain that a person makes: choosing his channels.

(Notices themselves are written by ``services.deliver`` from the outbox, as the consequence of another
domain's operation, which carries the audit row.)
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

from tidu.accounts.models import User
from tidu.core.operations import AuditRecord, TableOperation, operation_class
from tidu.notifications import channels, sms
from tidu.notifications.errors import NotificationsError
from tidu.notifications.lifecycle import TRANSITIONS_BY_ACTION
from tidu.notifications.models import ChannelPreference

PREFERENCE_FIELDS = ("email", "sms", "mobile")


@operation_class
class UpdateChannels(TableOperation):
    """The user's own channel choice (object: the user; params ``email``, ``sms`` (bools), ``mobile``).

    SMS needs a valid mainland mobile number; e-mail needs an address on the account. In-app stays on."""

    name = "notifications.update_channels"
    label = gettext_noop("修改通知方式")
    object_type = "user"
    model = User
    error_class = NotificationsError
    transition = TRANSITIONS_BY_ACTION[name]
    text_labels = {"mobile": "手机号"}

    def in_scope(self, user, obj) -> bool:
        return obj.pk == getattr(user, "pk", None)

    def state_of(self, obj) -> str:
        return ""

    def validate(self, user, obj) -> None:
        try:
            self.mobile = sms.clean_mobile(str(self.params.get("mobile", "") or ""))
        except ValidationError as error:
            raise NotificationsError(str(error.messages[0])) from error
        if self.params.get("sms") and not self.mobile:
            raise NotificationsError(gettext("选择短信通知时，请填写接收短信的手机号。"))
        if self.params.get("email") and not obj.email:
            raise NotificationsError(gettext("账号未登记电子邮箱，不能选择邮件通知；请联系市经信局中小企业科补充邮箱。"))

    def perform(self, user, obj) -> ChannelPreference:
        preference = channels.preference_for(obj)
        after = {"email": bool(self.params.get("email")), "sms": bool(self.params.get("sms")), "mobile": self.mobile}
        self.detail = {"changed": {field: [getattr(preference, field), value] for field, value in after.items()
                                   if getattr(preference, field) != value or preference.pk is None}}
        if preference.pk is not None and not any(
                getattr(preference, field) != value for field, value in after.items()):
            self.unchanged = True
            return preference
        for field, value in after.items():
            setattr(preference, field, value)
        preference.save()
        return preference

    def audit(self, user, obj, result, before: str) -> AuditRecord:
        record = super().audit(user, obj, result, before)
        record.detail = self.detail
        return record


def update_channels(user, *, email: bool, sms: bool, mobile: str) -> ChannelPreference:
    return UpdateChannels(user, email=email, sms=sms, mobile=mobile).execute(user)
