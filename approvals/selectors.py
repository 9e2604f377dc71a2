"""Reads of the domain core for the pages: each returns a queryset with a fixed number of queries."""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from compiled import CompiledRead

from .models import Application, Deficiency, NumberCode, ScopeItem, StatusChange, User
from .models.applications import visibility
from .pagination import DEFAULT_PAGE_SIZE


def agency_applications(*, user: User) -> QuerySet:
    """The applications of the user's own agency, newest first (served by the (agency, -created) index)."""
    if visibility(user) != "agency":
        return Application.objects.none()
    return _agency_list(agency=user.agency_id)


def _agency_list(*, agency) -> QuerySet:
    return Application.objects.seen_as("agency", agency_id=agency).order_by("-created", "-pk")


# What the applicant's list shows of an application: its reference, type, status, moments and the path
# of its procedure (a change's path reads its changes under its rule set). The other columns (texts, the
# commitment, the decision, two more moments) were read and converted for every row of every visit.
LIST_FIELDS = ("agency", "application_type", "track", "status", "created", "submitted_at", "rule_set", "changes")

# The first page of ``agency_applications`` (approvals.pagination.keyset_page: one row more than a page)
# compiled once per process: the list the applicant sees first, on every visit.
_FIRST_AGENCY_PAGE = CompiledRead(
    lambda agency: _agency_list(agency=agency).only(*LIST_FIELDS)[:DEFAULT_PAGE_SIZE + 1], "agency")


def agency_first_page(*, user: User) -> list[Application]:
    """The first ``keyset_page`` rows of ``agency_applications(user=user)`` (one more than a page)."""
    if visibility(user) != "agency":
        return []
    return _FIRST_AGENCY_PAGE.all(agency=user.agency_id)


DETAILS = ("agency", "rule_set", "review_leader", "created_by")


def application_with_details(*, user: User) -> QuerySet:
    """Applications the user may see, with what a detail page shows in the same row."""
    return Application.objects.visible_to(user).select_related(*DETAILS)


def _code_names() -> dict[str, Subquery]:
    """The names of an application's field and industry codes (``field_code_name``, ``…_name_en``,
    ``industry_code_name``, ``…_name_en``; None for a code the table lacks), to read with it."""
    return {f"{kind}_code_{column}": Subquery(
        NumberCode.objects.filter(kind=kind, code=OuterRef(f"{kind}_code")).values(column)[:1])
        for kind in (NumberCode.Kind.FIELD, NumberCode.Kind.INDUSTRY) for column in ("name", "name_en")}


def _has_lists() -> dict[str, Exists]:
    """Whether the application has any scope item, status change and deficiency (``has_scope``,
    ``has_history``, ``has_deficiencies``), to read with it: the page's reads of a list it lacks (a draft's
    history, most applications' notices) are skipped."""
    return {"has_scope": Exists(ScopeItem.objects.filter(application_id=OuterRef("pk"))),
            "has_history": Exists(StatusChange.objects.filter(application_id=OuterRef("pk"))),
            "has_deficiencies": Exists(Deficiency.objects.filter(application_id=OuterRef("pk")))}


# ``application_with_details(user=…).filter(pk=…)`` compiled once per process (the ``compiled`` package), one for
# each way a user sees applications (approvals.models.visibility); with the names of its codes, which the
# page's summary card shows (a statement of their own on every view), and whether it has each list the
# page shows (a statement each, most often answering nothing).
_OWN_APPLICATION = CompiledRead(
    lambda pk, agency: Application.objects.seen_as("agency", agency_id=agency).select_related(*DETAILS)
    .annotate(**_code_names(), **_has_lists()).filter(pk=pk),
    "pk", "agency")
_SUBMITTED_APPLICATION = CompiledRead(
    lambda pk: Application.objects.seen_as("submitted").select_related(*DETAILS)
    .annotate(**_code_names(), **_has_lists()).filter(pk=pk), "pk")


def application_for_page(*, user: User, pk: int) -> Application | None:
    """The application with what a detail page shows, if the user may see it (else None); the names of
    its codes come with it (``code_labels_of``), and whether it has scope items, status changes and
    deficiencies (``status_history``, ``scope_items`` and ``deficiency_notices`` read none it lacks)."""
    seen = visibility(user)
    if seen == "agency":
        return _OWN_APPLICATION.get(pk=pk, agency=user.agency_id)
    if seen == "submitted":
        return _SUBMITTED_APPLICATION.get(pk=pk)
    return None


def reviewers() -> QuerySet:
    """Officials who may lead a technical review (the choices for 评审组长 at acceptance)."""
    perm = Q(
        groups__permissions__content_type__app_label="approvals", groups__permissions__codename="review_application"
    ) | Q(user_permissions__content_type__app_label="approvals", user_permissions__codename="review_application")
    ids = User.objects.filter(perm, is_active=True, agency__isnull=True).values("pk")
    return User.objects.filter(pk__in=ids).order_by("last_name", "first_name", "username")


# The application page's lists of one application, compiled once per process (the ``compiled`` package):
# the same rows as ``application.<related>.…`` reads, each row's application the one passed in.
_STATUS_HISTORY = CompiledRead(
    lambda application: StatusChange.objects.filter(application_id=application).select_related("by").order_by("at", "pk"),
    "application")
_DEFICIENCIES = CompiledRead(
    lambda application: Deficiency.objects.filter(application_id=application).select_related("raised_by")
    .order_by("created", "pk"),
    "application")
_SCOPE = CompiledRead(lambda application: ScopeItem.objects.filter(application_id=application), "application")


def _lacks(application: Application, name: str) -> bool:
    """Whether the application was read knowing it has no such list (``application_for_page``)."""
    return getattr(application, name, True) is False


def status_history(*, application: Application) -> list[StatusChange]:
    """The audit trail of an application: every status change, who made it, when and why."""
    if _lacks(application, "has_history"):
        return []
    return _STATUS_HISTORY.all(application=application.pk, known={"application": application})


def scope_items(*, application: Application) -> list[ScopeItem]:
    """The application's scope, in order (``application.scope_items.all()``)."""
    if _lacks(application, "has_scope"):
        return []
    return _SCOPE.all(application=application.pk, known={"application": application})


@dataclass
class Notice:
    """One supplement notice (补正, 一次性告知) or one round of review findings (整改): its items at once."""

    kind: str
    round: int
    items: list[Deficiency] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return Deficiency.Kind(self.kind).label

    @property
    def raised_at(self):
        return self.items[0].created

    @property
    def raised_by(self):
        return self.items[0].raised_by

    @property
    def is_open(self) -> bool:
        return any(item.resolved_at is None for item in self.items)

    @property
    def response(self) -> str:
        return self.items[0].response

    @property
    def resolved_at(self):
        return self.items[0].resolved_at


def deficiency_notices(*, application: Application) -> list[Notice]:
    """Supplement notices and rectification rounds, newest first, each with all its items."""
    notices: dict[tuple[str, int], Notice] = {}
    if _lacks(application, "has_deficiencies"):
        return []
    for item in _DEFICIENCIES.all(application=application.pk, known={"application": application}):
        notices.setdefault((item.kind, item.round), Notice(kind=item.kind, round=item.round)).items.append(item)
    return sorted(notices.values(), key=lambda notice: notice.raised_at, reverse=True)


# Both codes of an application in one read, compiled once per process (the ``compiled`` package): the
# application and task pages name them on every view.
_NUMBER_CODES = CompiledRead(
    lambda field, industry: NumberCode.objects.filter(
        Q(kind=NumberCode.Kind.FIELD, code=field) | Q(kind=NumberCode.Kind.INDUSTRY, code=industry)),
    "field", "industry")


def code_labels_of(application: Application) -> dict[str, str]:
    """``number_code_labels`` of the application's codes: from the names read with it (``application_for_page``),
    else read."""
    if not hasattr(application, "field_code_name"):
        return number_code_labels(field_code=application.field_code, industry_code=application.industry_code)
    from django.utils.translation import get_language

    english = (get_language() or "").startswith("en")
    return {"field": _code_label(application.field_code, application.field_code_name, application.field_code_name_en,
                                 english=english),
            "industry": _code_label(application.industry_code, application.industry_code_name,
                                    application.industry_code_name_en, english=english)}


def _code_label(code: str, name: str | None, name_en: str | None, *, english: bool) -> str:
    """``NumberCode.label`` of a code from its names (the bare code if the table lacks it)."""
    return code if name is None else NumberCode.label_of(code, name, name_en, english=english)


def number_code_labels(*, field_code: str, industry_code: str) -> dict[str, str]:
    """"name（code）" of a field and an industry code (the bare code if the table lacks it)."""
    from django.utils.translation import get_language

    english = (get_language() or "").startswith("en")
    rows = _NUMBER_CODES.all(field=field_code, industry=industry_code)
    labels = {row.kind: row.label(english=english) for row in rows}
    return {"field": labels.get(NumberCode.Kind.FIELD, field_code),
            "industry": labels.get(NumberCode.Kind.INDUSTRY, industry_code)}
