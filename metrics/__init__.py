"""The five reductions (五减), measured.

How the figures are made, and why:

- **Facts per ended application** (``models.ApplicationFacts``), written by the worker after the
  transaction that ends an application commits (``services.facts_schedule``, which the flow calls
  through its one hook ``workflows.hooks.application_ended``, writes an outbox row, handler
  ``metrics.facts``, in that transaction), rewritten by ``manage.py recompute_facts``. A row is a
  cache of figures read from the records (steps, deficiencies, documents, rule sets); aggregates are
  sums over one table, so the dashboard costs a fixed handful of queries at any size
  (``bench/dashboard.py``).
- **Working days** come from the calendar table (``workflows.calendar``), the start day not counted:
  a step entered and finished the same day took 0 working days. Steps follow one another, so the
  time from submission to the end is exactly the authority's counted time plus the applicant's
  stopped time (supplement, rectification) — a property the tests check.
- **Counted time** is the approval clock (accept, decide, issue) plus the technical review, which
  the law does not count in the approval limit and the figures keep apart. A resumed acceptance or
  review is late on its total against the step's limit; each applicant round against its own.
- **Baselines match the path taken**: an application refused at acceptance is compared with what
  acceptance alone allowed under the baseline rules (``RuleSet.is_baseline``), not with a whole
  procedure, so ending early never passes for a reduction; a province's promise
  (``RuleSet.is_promise``) is compared over the same steps.
- **A reduction** is ``(baseline − actual) / baseline`` of the means; it is negative when a figure
  went up (rework loops can make more steps than before the reform) and shown as such.
- **Medians and the 90th percentile** are nearest-rank, read off a histogram of working days (one
  query, the same on SQLite and PostgreSQL).
"""
