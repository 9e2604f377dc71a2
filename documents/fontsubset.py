"""Subsetting the packaged CJK fonts once per process instead of from scratch on every PDF.

WeasyPrint (70) embeds each font by subsetting it with HarfBuzz twice per document: once over the
whole face keeping glyph ids, then again over the result to drop the empty tail and the hints. For
a 13,754-glyph CJK face the first pass spends most of its time building HarfBuzz's tables of the
face (CFF charstrings index, cmap) and the second pass re-parses a face that only exists for this
document: ~9 ms per weight, every certificate. HarfBuzz can build those tables once
(``hb_subset_preprocess``); a single pass with the flags of both passes (keep glyph ids, plain
charstrings, no hints) then writes byte-for-byte the same font program (tests/documents pin it)
in a quarter of the time.

Only the product's own faces (the ``CMA Serif`` family of ``assets/pdf.css``) take this path, and
only inside :func:`documents.rendering.html_to_pdf` (:func:`enabled`); the system fallback font and
any other WeasyPrint call keep WeasyPrint's own subsetting. Without ``hb_subset_preprocess``
(HarfBuzz < 6) nothing changes.
"""

import logging
import threading
from collections import OrderedDict

from weasyprint.pdf import fonts as weasy_fonts
from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset

from .shortcut import Switch

logger = logging.getLogger(__name__)

FAMILIES = frozenset({"CMA Serif"})  # the @font-face family of assets/pdf.css
MAX_FACES = 8  # two weights per rendering thread; a few threads, or a test re-preparing the fonts
DROP_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")

_active = Switch("documents_fontsubset_active")
_lock = threading.Lock()
# pointer of the face -> (our reference to that face, its preprocessed copy). Holding a reference
# keeps the face alive, so its address cannot be reused by another face while it is a key here.
_faces: "OrderedDict[int, tuple[object, object]]" = OrderedDict()
preprocessed_count = 0  # how many faces this process has preprocessed (tests: once per face)


def _preprocess_available() -> bool:
    if harfbuzz_subset is None:
        return False
    try:
        harfbuzz_subset.hb_subset_preprocess  # noqa: B018
    except AttributeError:
        try:
            ffi.cdef("hb_face_t * hb_subset_preprocess (hb_face_t *source);")
            harfbuzz_subset.hb_subset_preprocess  # noqa: B018
        except Exception:  # an older HarfBuzz, or a WeasyPrint that declares it differently
            return False
    return True


AVAILABLE = _preprocess_available()


# Within this block, the packaged faces are subset from their preprocessed copies.
enabled = _active.enabled


def _preprocessed(hb_face):
    """The preprocessed copy of ``hb_face``, built the first time this process embeds it."""
    global preprocessed_count
    key = int(ffi.cast("uintptr_t", hb_face))
    with _lock:
        entry = _faces.get(key)
        if entry is not None:
            _faces.move_to_end(key)
            return entry[1]
        reference = ffi.gc(harfbuzz.hb_face_reference(hb_face), harfbuzz.hb_face_destroy)
        preprocessed = ffi.gc(harfbuzz_subset.hb_subset_preprocess(hb_face), harfbuzz.hb_face_destroy)
        _faces[key] = (reference, preprocessed)
        preprocessed_count += 1
        while len(_faces) > MAX_FACES:
            _faces.popitem(last=False)
        return preprocessed


def _set_add(hb_set, values) -> None:
    array = ffi.new(f"hb_codepoint_t[{len(values)}]", values)
    harfbuzz.hb_set_add_sorted_array(hb_set, array, len(values))


def subset_once(font, to_unicode, hinting) -> bool:
    """Subset ``font`` (a WeasyPrint ``Font``) to the glyphs of ``to_unicode`` in one pass from the
    preprocessed face; sets ``font.file_content``. False if HarfBuzz failed (the caller falls back)."""
    source = _preprocessed(font.hb_face)
    subset_input = ffi.gc(harfbuzz_subset.hb_subset_input_create_or_fail(), harfbuzz_subset.hb_subset_input_destroy)
    if subset_input == ffi.NULL:
        return False
    _set_add(harfbuzz_subset.hb_subset_input_glyph_set(subset_input), sorted(to_unicode))
    flags = (harfbuzz_subset.HB_SUBSET_FLAGS_RETAIN_GIDS | harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
             | harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE)
    if not hinting:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING
    if font.missing:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    harfbuzz_subset.hb_subset_input_set_flags(subset_input, flags)
    _set_add(harfbuzz_subset.hb_subset_input_set(subset_input, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG),
             sorted(harfbuzz.hb_tag_from_string(tag, -1) for tag in DROP_TABLES))
    result = harfbuzz_subset.hb_subset_or_fail(source, subset_input)
    if result == ffi.NULL:
        return False
    result = ffi.gc(result, harfbuzz.hb_face_destroy)
    content = weasy_fonts.get_hb_object_data(result)
    if not content:
        return False
    font.file_content = content
    return True


_weasyprint_subset = weasy_fonts.Font._harfbuzz_subset


def _harfbuzz_subset(self, to_unicode, hinting):
    if _active.get() and self.family in FAMILIES and subset_once(self, to_unicode, hinting):
        return
    _weasyprint_subset(self, to_unicode, hinting)


def install() -> None:
    """Route WeasyPrint's HarfBuzz subsetting through :func:`subset_once` for the packaged faces
    (idempotent; nothing when HarfBuzz cannot preprocess)."""
    if AVAILABLE and weasy_fonts.Font._harfbuzz_subset is not _harfbuzz_subset:
        weasy_fonts.Font._harfbuzz_subset = _harfbuzz_subset
