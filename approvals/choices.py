"""``get_FOO_display()`` for fields with fixed choices, without Django's per-call cost.

Django's version builds a dict of the field's choices on every call, hashing each label, and hashing a
lazy label translates it: a status badge translated every status there is. On a list page of twenty
applications that was a third of the page's time. Here the dict is built once per field (the values
are the keys; the labels stay lazy) and only the label shown is translated, in the active language.
"""

from functools import partialmethod

from django.utils.encoding import force_str


def _label_of(field):
    """``value → the label get_FOO_display() shows for it``."""
    labels = {value: label for value, label in field.flatchoices}

    def label_of(value):
        try:
            label = labels.get(value, value)
        except TypeError:  # an unhashable value is shown as it is, as Django does
            label = value
        return force_str(label, strings_only=True)

    return label_of


def _display(field):
    label_of, attname = _label_of(field), field.attname

    def get_display(self):
        return label_of(getattr(self, attname))

    get_display.__name__ = f"get_{field.name}_display"
    return get_display


def choice_display(model, name: str):
    """``value → what get_<name>_display() shows for it`` without an instance of ``model``: for rows
    read as values, or a list whose rows share a few values (translated once per page)."""
    return _label_of(model._meta.get_field(name))


def fast_choice_display(model):
    """Class decorator: the model's ``get_FOO_display()`` for each of its fields with a fixed list of
    choices (callable choices keep Django's own, which reads them afresh)."""
    for field in model._meta.local_fields:
        name = f"get_{field.name}_display"
        if not isinstance(field.choices, (list, tuple)) or not field.choices:
            continue
        if isinstance(model.__dict__.get(name), partialmethod):  # Django's, not one the model wrote
            setattr(model, name, _display(field))
    return model
