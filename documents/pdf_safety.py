"""Active content in a PDF: JavaScript, launch actions, embedded files — found by walking every object.

Checking the catalogue's /OpenAction and /Names alone misses script in a page's open action, a link
annotation, a form field, an action chained by /Next, or an object nothing references. This walks the
whole object graph from the trailer, and every object the cross-reference table lists besides,
looking at each dictionary's keys and each action's type. Content streams (page drawing) are not
parsed: they cannot carry actions.
"""

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

MAX_OBJECTS = 2_000_000  # a 20 MB file of tiny objects stays below this; more is refused as broken

SCRIPT, LAUNCH, EMBEDDED = "script", "launch", "embedded"
# keys whose mere presence means active content
KEYS = {
    "/JS": SCRIPT, "/JavaScript": SCRIPT, "/XFA": SCRIPT,  # XFA forms carry their own scripts
    "/EmbeddedFiles": EMBEDDED, "/EF": EMBEDDED, "/RichMedia": EMBEDDED,
}
# action types (/S) a viewer runs
ACTIONS = {
    "/JavaScript": SCRIPT, "/Rendition": SCRIPT, "/Launch": LAUNCH, "/ImportData": LAUNCH,
    "/GoToE": EMBEDDED, "/RichMediaExecute": EMBEDDED,
}
TYPES = {"/EmbeddedFile": EMBEDDED, "/RichMediaContent": EMBEDDED}
URI_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")


class TooComplex(ValueError):
    """More objects than any real application document has."""


def active_content(reader: PdfReader) -> str | None:
    """The first kind of active content found (SCRIPT, LAUNCH or EMBEDDED), or None."""
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer, *_listed_objects(reader)]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        visited += 1
        if visited > MAX_OBJECTS:
            raise TooComplex(f"more than {MAX_OBJECTS} objects")
        if isinstance(obj, DictionaryObject):  # streams too: their dictionary
            found = _judge(obj)
            if found:
                return found
            stack.extend(value for name, value in obj.items() if name != "/Parent")
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return None


def _judge(obj: DictionaryObject) -> str | None:
    for name in obj.keys():
        if name in KEYS:
            return KEYS[name]
    action = obj.get("/S")
    if action in ACTIONS:
        return ACTIONS[action]
    if action == "/URI" and str(obj.get("/URI", "")).strip().lower().startswith(URI_SCHEMES):
        return SCRIPT
    return TYPES.get(obj.get("/Type"))


def _listed_objects(reader: PdfReader) -> list[IndirectObject]:
    """Every object in the cross-reference table (and object streams), referenced or not."""
    listed = [IndirectObject(idnum, generation, reader)
              for generation, objects in reader.xref.items() for idnum in objects]
    listed += [IndirectObject(idnum, 0, reader) for idnum in reader.xref_objStm]
    return listed
