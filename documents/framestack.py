"""Room on CPython's frame stack for a deep computation, so that it does not thrash the allocator.

Since 3.11, CPython keeps Python frames on a per-thread stack made of 16 KiB chunks: a call that
does not fit in the current chunk maps a new one, and returning from the first frame of a chunk
unmaps it at once. A computation whose depth keeps going up and down across a chunk boundary maps
and unmaps a chunk each time, with the page faults of fresh pages each time (CPython issue
gh-142183, fixed by caching one chunk only in 3.13+/3.14). WeasyPrint's layout and drawing recurse
like that thousands of times per certificate: depending on the depth the render starts at, 5 to
45 ms of system time and 0.5-7 thousand page faults per certificate, a quarter of its CPU.

:func:`call` runs a function below a frame that reserves ``HEADROOM_SLOTS`` slots: that frame
cannot fit in an ordinary chunk, so CPython maps one chunk big enough for it plus its minimum
overhead (128 KiB for 8,192 slots), and every frame of the computation (WeasyPrint's deepest use
is well under the ~60 KiB left) then lives in that one chunk: one map and unmap per call instead of
thousands. The reserving frame's slots are locals that are never assigned, so it costs
initialising 64 KiB of NULLs per call. Elsewhere than CPython it is a plain call.
"""

import sys

HEADROOM_SLOTS = 8192


def _reserving_call():
    names = " = ".join(f"_slot{i}" for i in range(HEADROOM_SLOTS))
    source = (
        "def call(function, *args, **kwargs):\n"
        "    if function is None:  # never true: the assignment only makes the frame big\n"
        f"        {names} = None\n"
        "    return function(*args, **kwargs)\n"
    )
    namespace: dict = {}
    exec(compile(source, "<documents.framestack>", "exec"), namespace)  # noqa: S102 - fixed source, no input
    return namespace["call"]


def _plain_call(function, *args, **kwargs):
    return function(*args, **kwargs)


call = _reserving_call() if sys.implementation.name == "cpython" else _plain_call
call.__doc__ = "``function(*args, **kwargs)`` with ~60 KiB of frame stack reserved below it (see the module)."
