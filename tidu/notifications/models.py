from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app notice for one user about something that needs their attention."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                                  verbose_name=_("接收人"))
    kind = models.CharField(_("类别"), max_length=50)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    # Deduplicates scheduled reminders: the same key is never sent twice to one recipient.
    dedupe_key = models.CharField(_("去重标识"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed = models.BooleanField(_("已发邮件"), default=False)
    # {"title": sentence, "body": sentence or [sentences]} (tidu.notifications.messages): shown in the reader's
    # language; {} for a notice written as plain Chinese text.
    i18n = models.JSONField(_("多语言原文"), default=dict, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "dedupe_key"], condition=~models.Q(dedupe_key=""),
                                               name="unique_notification_dedupe_key")]

    def __str__(self):
        return self.title

    @property
    def shown_title(self) -> str:
        """The title in the reader's language (as written when the notice has no source sentences)."""
        from tidu.notifications.messages import render

        return render(self.i18n["title"]) if self.i18n.get("title") else self.title

    @property
    def shown_body(self) -> str:
        from tidu.notifications.messages import render

        return render(self.i18n["body"]) if self.i18n.get("body") else self.body


class ChannelPreference(models.Model):
    """How one person wants to be told: in-app always; e-mail and SMS as they choose (changed only through the
    ``notifications.update_channels`` operation, which writes the audit row). No row: the defaults below."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preference",
                                verbose_name=_("用户"))
    email = models.BooleanField(_("电子邮件"), default=True)
    sms = models.BooleanField(_("短信"), default=False)
    mobile = models.CharField(_("接收短信的手机号"), max_length=11, blank=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知方式")
        verbose_name_plural = _("通知方式")

    def __str__(self):
        return f"{self.user_id}"


class Delivery(models.Model):
    """One notice sent (or to be sent) through one outside channel (e-mail, SMS). The in-app notice is the
    ``Notification`` itself. A failed delivery stays ``failed`` with its error and is retried by
    ``tidu deliver_events`` until it is sent or has used up ``TIDU_NOTIFY_MAX_ATTEMPTS``."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries",
                                     verbose_name=_("通知"))
    channel = models.CharField(_("渠道"), max_length=20)
    address = models.CharField(_("发送地址"), max_length=254)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    segments = models.PositiveSmallIntegerField(_("短信条数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知发送记录")
        verbose_name_plural = _("通知发送记录")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["notification", "channel"],
                                               name="unique_delivery_per_channel")]
        indexes = [models.Index(fields=["status"], name="notif_delivery_status")]

    def __str__(self):
        return f"{self.notification_id}:{self.channel}:{self.status}"

    @property
    def channel_label(self) -> str:
        from tidu.notifications.channels import CHANNELS

        channel = CHANNELS.get(self.channel)
        return str(channel.label) if channel else self.channel

    @property
    def will_retry(self) -> bool:
        return self.status == self.Status.FAILED and self.attempts < settings.TIDU_NOTIFY_MAX_ATTEMPTS
