"""The node ↔ transition mapping: the flow and the FSM never disagree."""

import inspect

from django_fsm import FSMField

from approvals import services as domain
from approvals.models import Application
from workflows.flows import APPLICANT_NODES, NODE_STATUS, OUTCOMES, OrdinaryFlow


def fsm_transitions():
    field = next(f for f in Application._meta.fields if isinstance(f, FSMField))
    return {(t.name, t.source): t.target for t in field.get_all_transitions(Application)}


def transition_called_by(service) -> str:
    source = inspect.getsource(service)
    names = [name for (name, _src) in fsm_transitions() if f'"{name}"' in source]
    assert len(set(names)) == 1, (service.__name__, names)
    return names[0]


def test_every_human_node_has_outcomes_and_an_expected_status():
    human = {name for name, node in OrdinaryFlow._nodes_by_name.items() if node.task_type == "HUMAN"}
    assert human == set(OUTCOMES) == set(NODE_STATUS)
    assert APPLICANT_NODES <= human


def test_each_outcome_calls_one_transition_allowed_while_its_node_is_open():
    transitions = fsm_transitions()
    for node, outcomes in OUTCOMES.items():
        states = NODE_STATUS[node] if isinstance(NODE_STATUS[node], tuple) else (NODE_STATUS[node],)
        for outcome, service in outcomes.items():
            assert service.__module__.startswith(domain.__name__)
            name = transition_called_by(service)
            allowed_from = {src for (n, src) in transitions if n == name}
            assert any(state in allowed_from for state in states), (
                node, outcome, name, allowed_from)
