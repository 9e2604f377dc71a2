"""Agencies and their users: sign-up and registration."""



from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from approvals.models import (
    Agency,
    User,
)


@transaction.atomic
def agency_register(*, by: User, name: str, credit_code: str, address: str, legal_representative: str,
                    contact_name: str, contact_phone: str, contact_email: str = "") -> Agency:
    """Register the agency the user works for; the user becomes one of its users."""
    if by.agency_id:
        raise ValidationError(_("该用户已属于一个机构。"))
    if by.has_perm("approvals.view_application"):
        raise ValidationError(_("审批人员不能注册申请机构。"))
    agency = Agency(
        name=name.strip(), credit_code=credit_code.strip().upper(), address=address.strip(),
        legal_representative=legal_representative.strip(), contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(), contact_email=contact_email.strip(),
    )
    agency.full_clean()
    agency.save()
    by.agency = agency
    by.save(update_fields=["agency"])
    # The role follows the membership, so every way of registering (page, API) yields the same account.
    by.groups.add(Group.objects.get(name="applicant"))
    return agency


@transaction.atomic
def applicant_sign_up(*, username: str, password: str, full_name: str = "", email: str = "",
                      agency: dict[str, str]) -> User:
    """Open an account for an agency's staff member and register the agency in one step.

    The password has been checked against the password validators by the caller's form; here it is
    only hashed. A bad agency (e.g. a wrong credit-code check digit) rolls the account back too.
    """
    user = User(username=username.strip(), first_name=full_name.strip(), email=email.strip())
    user.set_password(password)
    user.full_clean(exclude=["password", "agency"])
    user.save()
    agency_register(by=user, **agency)
    return user


def api_token_issue(*, user: User):
    """The user's API token: the current one while it is valid, otherwise a new one (the expired one
    is deleted, so an old key never comes back to life)."""
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from approvals.authentication import token_expires_at

    token = Token.objects.filter(user=user).first()
    if token is not None and token_expires_at(token) <= timezone.now():
        token.delete()
        token = None
    return token or Token.objects.create(user=user)


def api_tokens_revoke(*, user: User) -> int:
    """Delete every API token of the user (on logout); returns how many there were."""
    from rest_framework.authtoken.models import Token

    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted
