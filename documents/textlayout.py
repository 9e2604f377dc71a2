"""Text laid out by Pango once per line instead of three times, with shared Pango contexts.

WeasyPrint (70) lays out each line of text with a ``Layout`` (``weasyprint.text.line_break``):
while breaking lines it shapes the line's text, then, to draw it, ``deactivate`` drops that Pango
layout and ``reactivate`` builds a new one (a new Pango context, a new font description) and shapes
the same text again; drawing then switches the layout to single-paragraph mode, which by itself
throws Pango's lines away and shapes the text a third time. For a 50-item certificate (~460 drawn
lines) that is ~1,000 Pango contexts and font descriptions and ~460 shapings that produce what
line breaking already had.

Here, inside :func:`enabled` only (``documents.rendering.html_to_pdf``):

- a text without paragraph separators is laid out in single-paragraph mode from the start (for
  such a text the mode changes nothing but Pango's cache key), so drawing does not invalidate it;
- ``deactivate`` keeps the Pango layout, and ``reactivate`` reuses it when it is exactly what a
  fresh one would be for drawing: same style, no justification spacing, no spacing attributes,
  and either an unconstrained width or one single line (a line that fits is shaped the same with
  or without a width); anything else gets WeasyPrint's own fresh layout;
- the Pango context (per font map, base direction and language) and the font description (per
  font properties) are built once per font configuration and shared by the layouts that need them
  (Pango copies the description, and nothing changes a context once made), and so is the string
  of OpenType features per combination of the properties it comes from;
- a drawn line's glyphs are written by :func:`draw_first_line`, WeasyPrint's loop with its
  per-glyph lookups hoisted (the glyph's geometry read once, the font's tables and the formats in
  locals, no emoji bookkeeping for fonts without colour glyphs); a line to ellipsize, or set in a
  font with SVG, PNG or COLR glyphs, is drawn by WeasyPrint's own function;
- within a render, what a layout's setup and the line layout's ``strut`` work out from a style is
  kept per style object (WeasyPrint shares one style among all the boxes of similar elements);
- the key of WeasyPrint's strut and character-ratio caches (looked up for every line box and text
  box) is the tuple of the font properties rather than its ``str()``: the same entries, found
  without printing a 14-field tuple ~1,000 times per certificate.

The PDFs are byte for byte those WeasyPrint writes without it (tests/documents pin it for every PDF
template). Outside :func:`enabled` every WeasyPrint call keeps WeasyPrint's own code.
"""

import re
from contextlib import contextmanager
from contextvars import ContextVar

from weasyprint.draw import text as weasy_draw_text
from weasyprint.layout import inline as weasy_inline
from weasyprint.logger import LOGGER
from weasyprint.text import line_break
from weasyprint.text.constants import LST_TO_ISO, PANGO_DIRECTION
from weasyprint.text.ffi import FROM_UNITS, ffi, gobject, pango, unicode_to_char_p
from weasyprint.text.fonts import font_features, get_font_description

from .shortcut import Switch

Layout = line_break.Layout

# Pango's paragraph delimiters (pango_find_paragraph_boundary): LF, CR and U+2029.
PARAGRAPH_SEPARATORS = re.compile("[\n\r\u2029]")

_active = Switch("documents_textlayout_active")


def _declare() -> bool:
    try:
        pango.pango_layout_get_width  # noqa: B018
    except AttributeError:
        try:
            ffi.cdef("int pango_layout_get_width (PangoLayout *layout);"
                     "int pango_layout_get_line_count (PangoLayout *layout);")
            pango.pango_layout_get_width  # noqa: B018
            pango.pango_layout_get_line_count  # noqa: B018
        except Exception:  # a WeasyPrint that declares them differently: keep its own code
            return False
    return True


AVAILABLE = _declare()
reused = rebuilt = 0  # layouts drawn as line breaking left them / rebuilt by WeasyPrint (tests)
lines_written = 0  # lines whose glyphs draw_first_line wrote itself (tests)


@contextmanager
def enabled():
    with _active.enabled():
        token = _per_style.set({})
        try:
            yield
        finally:
            _per_style.reset(token)


# What a render has worked out per style object: id -> (the style, then what is cached). The style is
# held so its id is not reused during the render; the dict is dropped with the render. A computed
# style's values do not change once read (WeasyPrint mutates copies, never the font properties of a
# style in use).
_per_style: ContextVar[dict] = ContextVar("documents_textlayout_per_style")


def _style_setup(style):
    """(context, language, font description, features) for ``style``, once per style object and render."""
    cache = _per_style.get()
    entry = cache.get(("setup", id(style)))
    if entry is None or entry[0] is not style:
        entry = cache[("setup", id(style))] = (style, *_shared(style), _features(style))
    return entry


_weasyprint_strut = line_break.strut


def strut(style):
    """WeasyPrint's ``strut`` (line height and baseline of ``style``), once per style object and render."""
    if not _active.get():
        return _weasyprint_strut(style)
    cache = _per_style.get()
    entry = cache.get(("strut", id(style)))
    if entry is None or entry[0] is not style:
        entry = cache[("strut", id(style))] = (style, _weasyprint_strut(style))
    return entry[1]


def _shared(style):
    """(Pango context, language, font description) for ``style``, cached on its font configuration."""
    config = style.font_config
    cache = config.__dict__.setdefault("_documents_text_cache", {})
    if style["font_language_override"] != "normal":
        lang = LST_TO_ISO.get(style["font_language_override"].lower(), style["font_language_override"])
    else:
        lang = style["lang"] or None
    context_key = ("context", style["direction"], lang)
    entry = cache.get(context_key)
    if entry is None:
        context = ffi.gc(pango.pango_font_map_create_context(config.font_map), gobject.g_object_unref)
        pango.pango_context_set_round_glyph_positions(context, False)
        pango.pango_context_set_base_dir(context, PANGO_DIRECTION[style["direction"]])
        if lang:
            lang_p, _lang = unicode_to_char_p(lang)
            language = pango.pango_language_from_string(lang_p)
            pango.pango_context_set_language(context, language)
        else:
            language = pango.pango_language_get_default()
        entry = cache[context_key] = (context, language)
    description_key = ("font", tuple(style["font_family"]), style["font_style"], style["font_stretch"],
                       style["font_weight"], style["font_size"], style["font_variant_caps"],
                       str(style["font_variation_settings"]))
    description = cache.get(description_key)
    if description is None:
        description = cache[description_key] = get_font_description(style)
    return entry[0], entry[1], description


def _features(style) -> bytes:
    """The OpenType features string WeasyPrint's ``Layout.setup`` builds for ``style`` (b"" for
    none), built once per combination of the eight properties it depends on."""
    values = (style["font_kerning"], style["font_variant_ligatures"], style["font_variant_position"],
              style["font_variant_caps"], style["font_variant_numeric"], style["font_variant_alternates"],
              style["font_variant_east_asian"], style["font_feature_settings"])
    cache = style.font_config.__dict__.setdefault("_documents_text_cache", {})
    key = ("features", values)
    try:
        return cache[key]
    except KeyError:
        features = cache[key] = _features_string(values)
        return features
    except TypeError:  # an unhashable value: not cached
        return _features_string(values)


def _features_string(values) -> bytes:
    features = font_features(*values)
    return ",".join(f"{key} {value}" for key, value in features.items()).encode() if features else b""


def _setup(self, style):
    """``Layout.setup`` of WeasyPrint 70 with the shared context and font description."""
    self.style = style
    self.first_line_direction = 0
    self._auto_single_paragraph = False
    _style, context, self.language, font_description, features = _style_setup(style)
    self.layout = ffi.gc(pango.pango_layout_new(context), gobject.g_object_unref)
    pango.pango_layout_set_auto_dir(self.layout, False)
    pango.pango_layout_set_font_description(self.layout, font_description)

    if style["text_decoration_line"] != "none":
        metrics = ffi.gc(pango.pango_context_get_metrics(context, font_description, self.language),
                         pango.pango_font_metrics_unref)
        self.ascent = FROM_UNITS * pango.pango_font_metrics_get_ascent(metrics)
        self.underline_position = FROM_UNITS * pango.pango_font_metrics_get_underline_position(metrics)
        self.strikethrough_position = FROM_UNITS * pango.pango_font_metrics_get_strikethrough_position(metrics)
        self.underline_thickness = FROM_UNITS * pango.pango_font_metrics_get_underline_thickness(metrics)
        self.strikethrough_thickness = FROM_UNITS * pango.pango_font_metrics_get_strikethrough_thickness(metrics)
    else:
        self.ascent = None
        self.underline_position = None
        self.strikethrough_position = None

    if features:
        attr = style.font_config.font_features.get(features)
        if attr is None:  # WeasyPrint makes one per layout and keeps the first: the same attribute
            attr = style.font_config.font_features[features] = pango.pango_attr_font_features_new(features)
        attr_list = pango.pango_attr_list_new()
        pango.pango_attr_list_insert(attr_list, attr)
        pango.pango_layout_set_attributes(self.layout, attr_list)


def _plain(style) -> bool:
    """No attribute that ``set_text`` adds differs between line breaking and drawing."""
    return (style["word_spacing"] == 0 and style["letter_spacing"] in ("normal", 0)
            and style["overflow_wrap"] not in ("anywhere", "break-word"))


_weasyprint = {name: getattr(Layout, name) for name in ("setup", "set_text", "deactivate", "reactivate")}
_weasyprint_cache_key = line_break._font_style_cache_key


def font_style_cache_key(style, include_size=False):
    """WeasyPrint's ``_font_style_cache_key`` as a tuple (its ``str()`` when a value is unhashable)."""
    if not _active.get():
        return _weasyprint_cache_key(style, include_size)
    key = (style["font_family"], style["font_style"], style["font_stretch"], style["font_weight"],
           style["font_variant_ligatures"], style["font_variant_position"], style["font_variant_caps"],
           style["font_variant_numeric"], style["font_variant_alternates"], style["font_variant_east_asian"],
           style["font_feature_settings"], style["font_variation_settings"], style["font_language_override"],
           style["lang"])
    if include_size:
        key += (style["font_size"], style["line_height"])
    try:
        hash(key)
    except TypeError:  # a list somewhere (SVG text): WeasyPrint's own key
        return _weasyprint_cache_key(style, include_size)
    return key


def setup(self, style):
    if _active.get():
        _setup(self, style)
    else:
        _weasyprint["setup"](self, style)


def set_text(self, text, justify=False):
    _weasyprint["set_text"](self, text, justify)
    if _active.get():
        if PARAGRAPH_SEPARATORS.search(self.text) is None:
            pango.pango_layout_set_single_paragraph_mode(self.layout, True)
            self._auto_single_paragraph = True
        elif getattr(self, "_auto_single_paragraph", False):
            pango.pango_layout_set_single_paragraph_mode(self.layout, False)
            self._auto_single_paragraph = False


def deactivate(self):
    if not _active.get():
        _weasyprint["deactivate"](self)


def reactivate(self, style):
    global reused, rebuilt
    layout = getattr(self, "layout", None)
    if (_active.get() and layout is not None and style is getattr(self, "style", None)
            and self._auto_single_paragraph and not self.justification_spacing and _plain(style)
            and "\t" not in self.text
            and (pango.pango_layout_get_width(layout) == -1 or pango.pango_layout_get_line_count(layout) == 1)):
        reused += 1
        return
    rebuilt += _active.get()
    _weasyprint["reactivate"](self, style)


_weasyprint_draw_first_line = weasy_draw_text.draw_first_line


def draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
    """WeasyPrint 70's ``draw.text.draw_first_line`` for a line without ellipsis in fonts without
    colour glyphs (no emojis to return): the same operators, the same font tables filled."""
    if not _active.get() or text_overflow == "ellipsis" or block_ellipsis != "none":
        return _weasyprint_draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix)
    if not textbox.text.strip():
        return []
    style = textbox.style
    if style["font_size"] < 1e-6:
        return []
    layout = textbox.pango_layout
    pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
    first_line, _index = layout.get_first_line()

    runs = []
    run = first_line.runs[0]
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        pango_font = glyph_item.item.analysis.font
        font, font_size = stream.add_font(pango_font)  # as WeasyPrint adds them, in the same order
        if font.svg or font.png or font.colr:
            return _weasyprint_draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix)
        runs.append((glyph_item, pango_font, font, font_size))

    old_pango = pango.pango_version() < 14802
    empty, unknown = pango.PANGO_GLYPH_EMPTY, pango.PANGO_GLYPH_UNKNOWN_FLAG
    stream.set_text_matrix(*matrix.values)
    previous_pango_font = None
    string = ""
    font_size = None
    for glyph_item, pango_font, font, run_font_size in runs:
        glyph_string = glyph_item.glyphs
        glyphs_info = glyph_string.glyphs
        num_glyphs = glyph_string.num_glyphs
        clusters = glyph_string.log_clusters
        utf8_text = None
        if pango_font != previous_pango_font:  # the size changes with the font only, as in WeasyPrint
            previous_pango_font = pango_font
            font_size = style["font_size"] if old_pango else run_font_size
            if string:
                stream.show_text(string)
            string = ""
            stream.set_font_size(font.hash, 1 if font.bitmap else font_size)
        widths, to_unicode, glyph_format = font.widths, font.to_unicode, "02x" if font.bitmap else "04x"
        item = glyph_item.item
        parts = [string, "<"]
        for i in range(num_glyphs):
            glyph_info = glyphs_info[i]
            glyph_id = glyph_info.glyph
            geometry = glyph_info.geometry
            width = geometry.width

            if glyph_id == empty:
                parts.append(f">{-width / font_size}<")
                continue

            if glyph_id & unknown:
                codepoint = glyph_id - unknown
                LOGGER.warning(
                    '.notdef glyph rendered for Unicode string unsupported by fonts: "%s" (U+%04X)',
                    chr(codepoint), codepoint)
                glyph_id = font.get_unused_glyph_id(codepoint)
                widths[glyph_id] = round(width * 1000 * FROM_UNITS / font_size)
                if 0 not in widths:
                    widths[0] = widths[glyph_id]

            if glyph_id not in to_unicode:
                offset = item.offset
                t1 = clusters[i]
                if item.analysis.level % 2:  # rtl
                    t2 = item.length if i == 0 else clusters[i - 1]
                else:
                    t2 = item.length if i == num_glyphs - 1 else clusters[i + 1]
                utf8_text = utf8_text or layout.text.encode()
                to_unicode[glyph_id] = utf8_text[offset + t1:offset + t2].decode()

            offset = geometry.x_offset / font_size
            rise = geometry.y_offset / 1000
            if rise:
                string = "".join(parts)
                if string[-1] == "<":
                    string = string[:-1]
                else:
                    string += ">"
                if string:
                    stream.show_text(string)
                stream.set_text_rise(-rise)
                string = ""
                if offset:
                    string = f"{-offset}"
                string += f"<{glyph_id:{glyph_format}}>"
                stream.show_text(string)
                stream.set_text_rise(0)
                parts = ["<"]
            else:
                if offset:
                    parts.append(f">{-offset}<")
                parts.append(format(glyph_id, glyph_format))

            logical_width = widths.get(glyph_id)
            if logical_width is None:
                pango.pango_font_get_glyph_extents(pango_font, glyph_id, stream.ink_rect, stream.logical_rect)
                logical_width = widths[glyph_id] = round(stream.logical_rect.width * 1000 * FROM_UNITS / font_size)

            kerning = logical_width + offset - width * 1000 * FROM_UNITS / font_size
            if kerning:
                parts.append(f">{int(kerning)}<")

        string = "".join(parts)
        if string[-1] == "<":
            string = string[:-1]
        else:
            string += ">"

    stream.show_text(string)
    global lines_written
    lines_written += 1
    return []


def install() -> None:
    if AVAILABLE and Layout.setup is not setup:
        Layout.setup, Layout.set_text, Layout.deactivate, Layout.reactivate = setup, set_text, deactivate, reactivate
        line_break._font_style_cache_key = font_style_cache_key
        weasy_draw_text.draw_first_line = draw_first_line
        weasy_inline.strut = strut  # the line layout's four calls per line
