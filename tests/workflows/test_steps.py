"""The step declarations are the one definition of each step: the flows, the FSM, the services and
the inputs never disagree with them, and the lower floors name no step."""

import ast
import inspect
from pathlib import Path

from django_fsm import FSMField

from approvals import services as domain
from approvals.models import Application, RuleSet
from workflows import procedures, steps

ROOT = Path(__file__).resolve().parents[2]


def fsm_transitions():
    field = next(f for f in Application._meta.fields if isinstance(f, FSMField))
    return {(t.name, t.source): t.target for t in field.get_all_transitions(Application)}


def transitions_called_by(service) -> set[str]:
    source = inspect.getsource(service)
    return {name for (name, _src) in fsm_transitions() if f'"{name}"' in source}


def human_nodes(flow) -> set[str]:
    return {name for name, node in flow._nodes_by_name.items() if node.task_type == "HUMAN"}


def all_outcomes():
    for declared in steps.STEPS.values():
        for outcome in declared.outcomes:
            yield declared, outcome


def test_every_human_node_of_every_procedure_is_a_declared_step_and_every_step_is_used():
    used = set()
    for procedure in procedures.PROCEDURES.values():
        nodes = human_nodes(procedure.flow)
        assert nodes <= set(steps.STEPS), (procedure.code, nodes - set(steps.STEPS))
        assert set(procedure.path) <= nodes
        used |= nodes
    assert used == set(steps.STEPS)


def test_each_outcome_calls_its_declared_transition_allowed_while_the_step_is_open():
    transitions = fsm_transitions()
    for declared, outcome in all_outcomes():
        assert outcome.service.__module__.startswith(domain.__name__)
        assert transitions_called_by(outcome.service) == {outcome.transition}, (declared.name, outcome.name)
        allowed_from = {src for (name, src) in transitions if name == outcome.transition}
        assert any(state in allowed_from for state in declared.statuses), (declared.name, outcome.name)


def test_each_input_matches_its_service_signature():
    """Every field an input yields is a keyword the service takes, and every keyword the service
    needs without a default is yielded: completion passes validated, named input, nothing guessed."""
    for declared, outcome in all_outcomes():
        parameters = inspect.signature(outcome.service).parameters
        taken = set(parameters) - {"application", "by"}
        needed = {n for n in taken if parameters[n].default is inspect.Parameter.empty}
        yielded = {field.source for field in outcome.input().fields.values()}
        assert yielded <= taken, (declared.name, outcome.name, yielded - taken)
        assert needed <= yielded, (declared.name, outcome.name, needed - yielded)


def test_each_limit_is_a_rule_set_field_and_clock_stops_only_where_an_applicant_resumes_it():
    fields = {f.name for f in RuleSet._meta.fields}
    for declared in steps.STEPS.values():
        assert declared.limit in fields, declared.name
        if declared.stop_outcome:
            assert declared.resumes_after in steps.APPLICANT_STEPS, declared.name


def test_official_outcomes_have_page_forms_and_applicant_steps_answer_on_their_page():
    for declared, outcome in all_outcomes():
        if declared.applicant:
            assert outcome.form is None
        else:
            assert outcome.form is not None and outcome.form.outcome == outcome.name, (declared.name, outcome.name)


# Domain words that happen to spell like a step: each is the domain's own vocabulary (an FSM
# transition, a status, a deficiency kind, an HTML attribute), not a reference to a flow node.
# Counted, so a new use in the same file still fails.
DOMAIN_HOMONYMS = {
    ("approvals/services/lifecycle.py", "accept"): 1,  # _transition(application, "accept"): the FSM transition
    ("approvals/templatetags/approvals_pages.py", "accept"): 1,  # label of that transition in the audit trail
    ("approvals/models/applications.py", "rectification"): 2,  # status 待整改; Deficiency kind 整改
    ("approvals/models/applications.py", "supplement"): 1,  # Deficiency kind 补正
    ("documents/contexts.py", "accept"): 1,  # the transition whose audit row dates the acceptance notice
    ("documents/forms.py", "accept"): 1,  # the file input's HTML accept attribute
}


def test_no_step_name_appears_as_a_string_in_the_lower_floors():
    names = set(steps.STEPS)
    found: dict[tuple[str, str], int] = {}
    for floor in ("approvals", "documents"):
        for path in (ROOT / floor).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
                    key = (str(path.relative_to(ROOT)), node.value)
                    found[key] = found.get(key, 0) + 1
    assert found == DOMAIN_HOMONYMS
