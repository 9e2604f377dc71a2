"""Roles (as groups) and the agency boundary."""

from django.contrib.auth.backends import BaseBackend

ROLES = {
    # group name: permissions (app_label.codename)
    "applicant": ["approvals.add_application", "approvals.change_application"],
    "acceptor": ["approvals.view_application", "approvals.accept_application"],
    "reviewer": ["approvals.view_application", "approvals.review_application"],
    "approver": ["approvals.view_application", "approvals.decide_application", "approvals.decide_certificate_status"],
    "issuer": ["approvals.view_application", "approvals.issue_certificate"],
    "monitor": ["approvals.view_application", "approvals.monitor_service"],
}
ROLE_LABELS = {
    "applicant": "申请机构",
    "acceptor": "受理人员",
    "reviewer": "技术评审组",
    "approver": "审批人员",
    "issuer": "发证人员",
    "monitor": "政务服务中心",
}


def ensure_roles(**_kwargs) -> None:
    """Create the role groups with their permissions (idempotent; runs after every migrate)."""
    from django.contrib.auth.models import Group, Permission

    for name, perms in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)


class AgencyObjectBackend(BaseBackend):
    """An agency's users may answer (respond to) their own agency's applications, and only those."""

    def has_perm(self, user_obj, perm, obj=None):
        if perm != "approvals.respond_application" or obj is None or not user_obj.is_active:
            return False
        agency_id = getattr(obj, "agency_id", None)
        return agency_id is not None and agency_id == user_obj.agency_id


def acts_for(user, application) -> bool:
    """Whether ``user`` is staff of the application's agency: only they edit, submit, withdraw, answer.

    Deliberately not ``has_perm``: a superuser may see everything but never acts for an agency.
    """
    return bool(getattr(user, "agency_id", None)) and user.agency_id == application.agency_id
