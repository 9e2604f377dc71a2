"""``get_FOO_display()`` for fields with fixed choices, without Django's per-call cost.

Django's version builds a dict of the field's choices on every call, hashing each label, and hashing a
lazy label translates it: a status badge translated every status there is. On a list page of twenty
applications that was a third of the page's time. Here the dict is built once per field (the values
are the keys; the labels stay lazy) and only the label shown is translated, in the active language.
"""

from functools import partialmethod

from django.utils.encoding import force_str


def _display(field):
    labels = {value: label for value, label in field.flatchoices}
    attname = field.attname

    def get_display(self):
        value = getattr(self, attname)
        try:
            label = labels.get(value, value)
        except TypeError:  # an unhashable value is shown as it is, as Django does
            label = value
        return force_str(label, strings_only=True)

    get_display.__name__ = f"get_{field.name}_display"
    return get_display


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
