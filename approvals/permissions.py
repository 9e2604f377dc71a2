"""Roles (as groups) and the agency boundary; the permission set cached between requests."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.core.cache import cache
from django.db import transaction

from compiled import CompiledRead

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


# --- the permission set, cached per user between requests ----------------------------------------
PERMISSIONS_VERSION_KEY = "approvals:perms:version"


def _permissions_key(user_id: int) -> str:
    return f"approvals:perms:{user_id}"


class CachedPermissionsBackend(ModelBackend):
    """Django's ModelBackend whose permission set is kept in the cache between requests.

    Every request loads its user afresh, so ModelBackend's own cache (an attribute of the user
    object) lasts one request and each request paid two queries (the user's and their groups'
    permissions): a quarter of a queue API request. Here one cache read answers both, and within a
    request the set stays on the user object as before.

    Entries carry a version that any change of roles bumps (group membership, a group's or a user's
    permissions, a permission or group saved or deleted, a user created or made (super)user or
    inactive), immediately and again after the change commits; entries also expire after
    ``CMA_PERMISSION_CACHE_SECONDS``. Several processes must share the cache (Redis) for a bump in one
    to reach the others; with the default per-process cache that bound is the expiry.

    The signed-in user of each page is read by a query compiled once per process (the ``compiled``
    package): compiling it cost more than PostgreSQL took to run it.
    """

    def get_user(self, user_id):  # ModelBackend's, compiled
        user = _USER.get(pk=int(user_id))
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if hasattr(user_obj, "_perm_cache"):
            return user_obj._perm_cache
        key = _permissions_key(user_obj.pk)
        found = cache.get_many([PERMISSIONS_VERSION_KEY, key])
        version = found.get(PERMISSIONS_VERSION_KEY, 0)
        entry = found.get(key)
        if entry is not None and entry[0] == version and entry[1] == user_obj.is_superuser:
            user_obj._perm_cache = set(entry[2])
        else:
            perms = super().get_all_permissions(user_obj)
            cache.set(key, (version, user_obj.is_superuser, frozenset(perms)), settings.CMA_PERMISSION_CACHE_SECONDS)
        return user_obj._perm_cache


# With the agency: every page of an agency's user names it in the header (one query fewer).
_USER = CompiledRead(lambda *, pk: get_user_model()._default_manager.filter(pk=pk).select_related("agency"), "pk")


def _bump_permissions_version() -> None:
    cache.add(PERMISSIONS_VERSION_KEY, 0, None)
    try:
        cache.incr(PERMISSIONS_VERSION_KEY)
    except ValueError:  # evicted between add and incr
        cache.set(PERMISSIONS_VERSION_KEY, 1, None)


def permissions_changed(**_kwargs) -> None:
    """Signal receiver: every cached permission set is stale. Bumped now (this process's next read)
    and after commit (a read between the two may have cached the old rows)."""
    _bump_permissions_version()
    transaction.on_commit(_bump_permissions_version)


def user_saved(*, created: bool = False, update_fields=None, **kwargs) -> None:
    """A new user (whose id may be reused on SQLite) or a change of is_active / is_superuser."""
    if created or update_fields is None or {"is_active", "is_superuser"} & set(update_fields):
        permissions_changed()
