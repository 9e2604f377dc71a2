"""cssselect2's element wrappers with their cached properties read without a lock.

WeasyPrint (70) matches every element of a document through a cssselect2 (0.10) ``ElementWrapper``,
whose ``id``, ``classes``, ``local_name``, ``namespace_url``, ``etree_children``… are
``functools.cached_property``: on Python 3.11 the first read of each takes a lock (an ``RLock``
per property, acquired and released), about a microsecond, ~2,600 times per 50-item certificate,
for wrappers that only ever live in the thread that renders their document. :func:`install`
replaces them with a descriptor that computes the same value with the same function on the first
read and stores it in the instance's ``__dict__`` under the same name, as ``cached_property`` does
(and as it does without a lock from Python 3.12 on); later reads never reach the descriptor.
"""

from functools import cached_property

from cssselect2 import tree


class _Cached:
    """``functools.cached_property`` without its lock (a non-data descriptor, value in ``__dict__``)."""

    def __init__(self, func, attrname):
        self.func, self.attrname, self.__doc__ = func, attrname, func.__doc__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = instance.__dict__[self.attrname] = self.func(instance)
        return value


replaced: list[str] = []


def install() -> None:
    """Swap ``ElementWrapper``'s cached properties for :class:`_Cached` (idempotent)."""
    for name, attribute in list(vars(tree.ElementWrapper).items()):
        if isinstance(attribute, cached_property):
            setattr(tree.ElementWrapper, name, _Cached(attribute.func, attribute.attrname or name))
            replaced.append(name)
