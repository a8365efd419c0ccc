"""TRANSITIONAL — delete once ``tidu.applications`` registers its own "application.<action>" operations.

Until then the application's transitions are not operations, yet review needs two things of them:

* templates and batches ask ``{% allowed "application.city_receive" application %}``: ``install`` registers a
  check-only stand-in for every reviewer transition of the table (role, scope and state as
  ``application_transition`` judges them, plus every rule added with ``add_rule``). A name the applications
  domain has already registered is left alone.
* a direct ``application_transition(action="city_receive")`` must obey the rules added to it: ``enforce_rules``
  listens to ``transition_requested`` (sent with the row locked, before the change) and refuses when the
  stand-in's check says no. When the real operation is registered it consults the rules itself and this
  receiver steps aside.
"""

from __future__ import annotations

from typing import ClassVar

from django.core.exceptions import PermissionDenied

from tidu.applications import permissions as application_permissions
from tidu.applications import services as application_services
from tidu.applications.models import Application
from tidu.applications.workflow import ENTERPRISE_ACTIONS, TRANSITIONS, Transition, state_label
from tidu.core.operations import ALLOWED, Check, Operation, operation, refused, register, registered
from tidu.review.errors import ReviewError


class TransitionStandIn(Operation):
    object_type = "application"
    model = Application
    error_class = ReviewError
    transition: ClassVar[Transition]

    def roles_for(self, obj) -> tuple[str, ...]:
        return self.transition.roles

    def in_scope(self, user, obj) -> bool:
        return application_permissions.can_perform(user, obj, self.transition)

    def state_check(self, obj) -> Check:
        if obj.status not in self.transition.sources:
            return refused(f"申报当前状态为“{state_label(obj.status)}”，不能“{self.transition.label}”")
        return ALLOWED

    def execute(self, user):
        """The transition itself (one audit row, notifications); the rules are enforced by ``enforce_rules``."""
        return application_services.application_transition(application=self.obj, action=self.transition.action,
                                                            user=user, **self.params)


def _stand_in(transition: Transition) -> type[TransitionStandIn]:
    return type(f"StandIn_{transition.action}", (TransitionStandIn,),
                {"name": f"application.{transition.action}", "label": transition.label, "transition": transition})


def install() -> None:
    for transition in TRANSITIONS:
        name = f"application.{transition.action}"
        if transition.action not in ENTERPRISE_ACTIONS and name not in registered():
            register(name, _stand_in(transition))
    signal = getattr(application_services, "transition_requested", None)
    if signal is not None:
        signal.connect(enforce_rules, dispatch_uid="review.bridge.enforce_rules")


def enforce_rules(sender, application, transition, user, **kwargs):
    factory = registered().get(f"application.{transition.action}")
    if not (isinstance(factory, type) and issubclass(factory, TransitionStandIn)):
        return  # the applications domain's own operation asks the rules
    verdict = operation(f"application.{transition.action}", application).check(user)
    if verdict.forbidden:
        raise PermissionDenied(verdict.reason)
    if not verdict:
        # The signal's contract: a receiver refuses with ApplicationError (shown as it is).
        raise application_services.ApplicationError(verdict.reason)
