"""viewflow's nodes as the product runs them: the same tables, graph and admin, fewer writes.

A completion runs inside one transaction that rolls back whole on any error, and nothing reads a
task between two writes of that transaction; so a task is written once where viewflow writes it
twice, its link to the task before goes in the same statement (PostgreSQL), and a completion
writes the columns it changes. Subclasses only: viewflow itself is not patched.
"""

from django.db import connection
from django.utils import timezone
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.nodes.end import EndActivation
from viewflow.workflow.nodes.switch import SwitchActivation
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.signals import flow_finished, task_finished, task_started
from viewflow.workflow.status import STATUS

import prepared
from compiled import CompiledRows
from writebehind import insert_from, insert_rows, later_update


def insert_task(task, previous) -> None:
    """INSERT a new viewflow task and its link to the task before it (viewflow's ``previous``): one
    statement on PostgreSQL (a data-modifying CTE), viewflow's two elsewhere. A task before it not
    yet written (a Switch, ``OneWriteActivation``) goes first in the same statement, with its own link."""
    if connection.vendor != "postgresql":
        task.save()
        task.previous.add(previous)
        return
    chain = [task]
    while previous.pk is None:  # written with the task after it
        chain.append(previous)
        previous = previous.written_after
    chain.reverse()
    model = type(chain[0])
    through = model.previous.through._meta
    quote = connection.ops.quote_name
    pk = quote(model._meta.pk.column)
    link = (f"INSERT INTO {quote(through.db_table)} ({quote(through.get_field('from_task').column)}, "
            f"{quote(through.get_field('to_task').column)}) ")
    parts, params = [], []
    for i, each in enumerate(chain):
        if each.flow_task and not each.flow_task_type:  # what viewflow's Task.save fills in
            each.flow_task_type = each.flow_task.task_type
        if i == 0:
            sql, values = insert_rows([each])
            parts += [f"t0 AS ({sql} RETURNING {pk})", f"l0 AS ({link}SELECT {pk}, %s FROM t0)"]
            values = [*values, previous.pk]
        else:  # from the row before: the tasks are written in order, so their ids rise in order
            sql, values = insert_from(each, f"t{i - 1}")
            parts += [f"t{i} AS ({sql})", f"l{i} AS ({link}SELECT t{i}.{pk}, t{i - 1}.{pk} FROM t{i}, t{i - 1})"]
        params += values
    with connection.cursor() as cursor:
        prepared.execute(cursor, f"WITH {', '.join(parts)} "
                         f"SELECT {', '.join(f't{i}.{pk}' for i in range(len(chain)))} "
                         f"FROM {', '.join(f't{i}' for i in range(len(chain)))}", params)
        ids = cursor.fetchone()
    for each, each_pk in zip(chain, ids, strict=True):
        each.pk, each._state.adding, each._state.db = each_pk, False, connection.alias


def new_task(flow_task, prev_activation, token, data=None, seed=None):
    """A task of ``flow_task`` after ``prev_activation``'s, not yet written (as viewflow builds it)."""
    task = flow_task.flow_class.task_class(process=prev_activation.process, flow_task=flow_task, token=token)
    task.data = data if data is not None else {}
    task.seed = seed
    return task


class HumanActivation(ViewActivation):
    """viewflow's activation of a human task, plus ``take``: the assignment made on the way to a
    completion in the same transaction. viewflow's ``assign`` saves the whole task row, and the
    completion saves it again a moment later; ``take`` leaves the owner to that one save.

    A new task is written with its link to the task before it in one statement (``insert_task``),
    and a completion writes the columns it changes, not the whole row."""

    writes_task_before = True  # a task before it not yet written goes in the same statement (``insert_task``)

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        """viewflow's ``ViewActivation.create``, with ``insert_task``."""
        task = new_task(flow_task, prev_activation, token, data, seed)
        activation = cls(task)
        owner_permission = flow_task.calc_owner_permission(activation)
        if owner_permission:
            task.owner_permission = owner_permission
            task.owner_permission_obj = flow_task.calc_owner_permission_obj(activation)
        owner = flow_task.calc_owner(activation)
        if owner:
            task.owner = owner
            task.status = STATUS.ASSIGNED
        insert_task(task, prev_activation.task)
        if flow_task._on_create is not None:
            flow_task._on_create(activation)
        return activation

    @Activation.status.transition(source=STATUS.NEW, target=STATUS.ASSIGNED)
    def take(self, user):
        self.task.owner = user

    @Activation.status.super()
    def complete(self):
        """viewflow's completion, writing the columns a completion changes instead of the whole row."""
        self.task.finished = timezone.now()
        later_update(self.task, ["status", "owner", "assigned", "started", "finished"])  # nothing reads its answer
        task_finished.send(sender=self.flow_class, process=self.process, task=self.task)


class HumanView(flow.View):
    """viewflow's View node with ``HumanActivation`` (its tables, admin and views unchanged)."""

    activation_class = HumanActivation


class OneWriteActivation(Activation):
    """An automatic node's task (a Switch, the End) written once, when it completes: viewflow inserts
    the task when it is created and updates it when it completes a moment later, in the same
    transaction; the row in between is never seen by anyone. Same row, same link to the task before."""

    writes_task_before = True

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        activation = cls(new_task(flow_task, prev_activation, token, data, seed))
        activation.previous_task = prev_activation.task
        return activation

    def __hash__(self) -> int:  # viewflow keeps activations in sets; the task has no id until it completes
        return hash(self.task) if self.task.pk is not None else id(self)

    waits_for_next = False  # on PostgreSQL, written by the next node's ``insert_task``, in its statement

    @Activation.status.super()
    def complete(self):
        self.task.finished = timezone.now()
        if self.waits_for_next and connection.vendor == "postgresql":
            self.task.written_after = self.previous_task  # nothing reads the row before then
        else:
            insert_task(self.task, self.previous_task)  # with its final status
        task_finished.send(sender=self.flow_class, process=self.process, task=self.task)


class BranchActivation(OneWriteActivation, SwitchActivation):
    """viewflow's Switch activation, written once, without the savepoint around its conditions.
    viewflow keeps one so that a failing condition can leave the gateway in an error state while the
    rest commits; here every branch runs inside a task completion that propagates any error and
    rolls back whole, so the savepoint was two statements of every completion that saved nothing.

    On PostgreSQL its row waits for the task it leads to, which writes it first in its own statement
    (``insert_task``): one round trip fewer."""

    waits_for_next = True

    @Activation.status.super()
    def activate(self):
        with self.exception_guard():
            for node, condition in self.flow_task._branches:  # viewflow's own loop, unchanged
                if condition:
                    if condition(self):
                        self.next_task = node
                        break
                else:
                    self.next_task = node
            if not self.next_task:
                raise FlowRuntimeError(f"No next task available for {self.flow_task.name}")

    @Activation.status.super()
    def create_next(self):
        if not getattr(self.next_task.activation_class, "writes_task_before", False):
            insert_task(self.task, self.previous_task)  # a node of viewflow's own links to a written row
        yield self.next_task._create(self, self.task.token)


class Branch(flow.Switch):
    """viewflow's Switch node with ``BranchActivation`` (same tables, graph and admin)."""

    activation_class = BranchActivation


class EndOnceActivation(OneWriteActivation, EndActivation):
    """viewflow's End, written once and without its savepoint (the completion around it rolls back
    whole): the process row is updated in its own table only (``status`` and ``finished``; the
    product's ``ApplicationProcess`` table holds nothing that changes)."""

    @Activation.status.super()
    def activate(self):
        with self.exception_guard():
            self.task.started = timezone.now()
            task_started.send(sender=self.flow_class, process=self.process, task=self.task)
            others = unfinished_task_exists(self.flow_class.task_class, self.process.pk)
            if not others:
                self.process.status = STATUS.DONE
                self.process.finished = timezone.now()
                later_update(self.process, ["status", "finished"])
            task_finished.send(sender=self.flow_class, process=self.process, task=self.task)
            if not others:
                flow_finished.send(sender=self.flow_class, process=self.process, task=self.task)


def unfinished_task_exists(task_class, process_id: int) -> bool:
    """Whether the process has a task not finished: viewflow's End asks it of the tasks other than
    itself, and the End's own task is not in the table yet (written once, when it completes). One
    short read compiled once (the ``compiled`` package), not by Django's ORM on every End."""
    return bool(_UNFINISHED.fetch(("unfinished", task_class), lambda *, process_id: (
        task_class._default_manager.filter(process_id=process_id, finished__isnull=True).values_list("pk")[:1]),
        process_id=process_id))


_UNFINISHED = CompiledRows()


class End(flow.End):
    """viewflow's End node with ``EndOnceActivation`` (same tables, graph and admin)."""

    activation_class = EndOnceActivation
