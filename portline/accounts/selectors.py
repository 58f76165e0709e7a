"""Reads of accounts, scoped to the actor."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from portline.accounts.models import PARTNER_ROLES, Role, StaffInvitation, User
from portline.common import clock
from portline.common.errors import NotFound


def partner_staff_visible_to(actor: User) -> QuerySet[User]:
    """An organization's administrator sees its staff; the program administrator sees every
    organization's; nobody else sees staff lists."""
    qs = User.objects.filter(role__in=PARTNER_ROLES).select_related("partner")
    if not actor.is_authenticated or not actor.is_active:
        return qs.none()
    if actor.role == Role.PROGRAM_ADMIN:
        return qs.order_by("partner__name", "display_name", "id")
    if actor.role == Role.PARTNER_ADMIN and actor.partner_id:
        return qs.filter(partner_id=actor.partner_id).order_by("display_name", "id")
    return qs.none()


def access_partner_staff(actor: User, user_id: int) -> User:
    user = partner_staff_visible_to(actor).filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("No such staff member."))
    return user


def staff_invitations_open(actor: User) -> QuerySet[StaffInvitation]:
    """Invitations not yet used, cancelled or expired, of the organizations the actor manages."""
    qs = StaffInvitation.objects.filter(
        used_at=None, cancelled_at=None, expires_at__gt=clock.now()
    ).select_related("partner", "created_by")
    if not actor.is_authenticated or not actor.is_active:
        return qs.none()
    if actor.role == Role.PROGRAM_ADMIN:
        return qs
    if actor.role == Role.PARTNER_ADMIN and actor.partner_id:
        return qs.filter(partner_id=actor.partner_id)
    return qs.none()


def access_staff_invitation(actor: User, invitation_id: int) -> StaffInvitation:
    invitation = staff_invitations_open(actor).filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound(_("No such invitation."))
    return invitation
