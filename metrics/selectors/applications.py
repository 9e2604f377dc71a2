"""One application's five reductions, for whoever may see the application."""

from typing import Any

from approvals.models import Application, User

from ..models import ApplicationFacts
from .arithmetic import reduction


def application_reductions(row: ApplicationFacts) -> dict[str, Any]:
    """The five reductions of one application, from its fact row (stored or computed live).

    Time compares the statutory limits of the path it took (now against the baseline's); its actual
    handling time has no baseline of its own (that comparison is over many applications: the aggregates)."""
    time = reduction(row.days_baseline, row.days_limit)
    time.update({
        "basis": "statutory", "counted": row.days_counted, "promise": row.days_promise,
        "approval": row.days_approval, "review": row.days_review, "stopped": row.days_stopped,
        "elapsed": row.days_elapsed, "on_time": row.on_time, "late_steps": row.late_steps,
    })
    procedures = reduction(row.procedures_baseline, row.procedures)
    procedures["visits"] = reduction(row.visits_baseline, row.visits)
    steps = reduction(row.steps_baseline, row.steps)
    steps["rework_loops"] = row.rework_loops
    steps["structural"] = reduction(row.steps_structural_baseline, row.steps_structural)
    documents = reduction(row.documents_baseline, row.documents_uploaded)
    documents.update({"required": row.documents_required, "shared": row.documents_shared,
                      "reused": row.documents_reused, "files": row.documents_files,
                      "supplement_rounds": row.supplement_rounds, "rectification_rounds": row.rectification_rounds})
    return {
        "procedures": procedures,
        "steps": steps,
        "time": time,
        "fees": reduction(row.fee_baseline_yuan, row.fee_yuan),
        "documents": documents,
    }


def visible_facts(*, user: User, application_id: int) -> tuple[Application, ApplicationFacts | None]:
    """An application the user may see (else ``Application.DoesNotExist``) and its facts, if it has ended."""
    application = Application.objects.visible_to(user).get(pk=application_id)
    return application, ApplicationFacts.objects.filter(application=application).first()
