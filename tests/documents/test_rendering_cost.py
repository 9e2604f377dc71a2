"""What keeps a certificate fast, pinned without timing anything: the annex's table is laid out in
fixed mode and flat (work linear in its rows), the stylesheet and fonts are prepared once per
thread, the packaged fonts are subset from a per-process preprocessed copy that writes the very
bytes WeasyPrint's own subsetting writes, and a line of text is drawn from the Pango layout its
line breaking made, to the very bytes WeasyPrint's own rebuilt layouts draw."""

import cProfile
import gc
import io
import pstats
import re
import resource
import sys
from datetime import date

import pytest
from django.template.loader import render_to_string

from approvals.models import Agency, Application, CertificateVersion
from documents import borders, boxvalues, cascade, fontsubset, pdfnumbers, rendering, textlayout
from documents.contexts import TEMPLATES, certificate_context
from documents.models import RenderedDocument


def certificate_html(items: int, wrapping: bool = False) -> str:
    agency = Agency(name="贵州黔检检验检测技术有限公司", credit_code="91520100MA6DKQ7X2C",
                    address="贵州省贵阳市观山湖区长岭北路55号")
    application = Application(agency=agency, authorised_signatories="王五 技术负责人")
    scope = [{"seq": i, "category": "食品", "item": "食用植物油", "parameter": f"酸价{i}",
              "standard": f"GB 5009.{i}-2016", "limitation": ""} for i in range(1, items + 1)]
    if wrapping:  # long titles that wrap in their cells, as real annexes read
        scope = [{"seq": i, "category": "食品", "item": f"食品及食品添加剂检测项目{i}", "parameter": f"铅、镉、总砷等参数{i}",
                  "standard": f"GB 5009.{i}-2016 食品安全国家标准", "limitation": "只测第一法" if i % 7 == 0 else ""}
                 for i in range(1, items + 1)]
    version = CertificateVersion(
        version=1, number="262420000001", application=application, agency_name=agency.name,
        credit_code=agency.credit_code, signatories=application.authorised_signatories, address=agency.address,
        test_sites="贵州省贵阳市观山湖区长岭北路55号" + ("实验楼\n贵州省贵阳市白云区科技园3号" if wrapping else ""),
        issuing_authority="贵州省市场监督管理局",
        approved_on=date(2026, 11, 20), issued_on=date(2026, 11, 26), expires_on=date(2032, 11, 25), scope=scope)
    return render_to_string(TEMPLATES[RenderedDocument.Kind.CERTIFICATE], certificate_context(version, None))


def rule(css: str, selector: str) -> str:
    match = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", css)
    assert match, selector
    return match.group(1)


def test_the_annex_table_has_a_fixed_layout_with_declared_column_widths():
    css = rendering.STYLESHEET.read_text()
    assert re.search(r"table-layout:\s*fixed", rule(css, "table.scope"))
    for column in ("seq", "category", "standard", "limitation"):
        assert re.search(r"width:\s*\d+mm", rule(css, f"table.scope col.{column}")), column
    # nothing in the PDFs' stylesheet asks for a layout measured from content
    assert not re.search(r"display:\s*(inline-block|inline-table|flex|inline-flex|grid)", css)


def test_the_annex_is_one_flat_table():
    html = certificate_html(3)
    annex = html[html.index('<section class="annex">'):]
    assert annex.count("<table") == 1
    table = annex[annex.index("<table"):annex.index("</table>")]
    assert "<table" not in table[1:] and "<colgroup>" in table


def layout_calls(items: int) -> int:
    """How many block containers WeasyPrint lays out for a certificate of ``items`` rows."""
    html = certificate_html(items)
    profile = cProfile.Profile()
    profile.enable()
    rendering.html_to_pdf(html)
    profile.disable()
    stats = pstats.Stats(profile).stats
    return sum(calls for (path, _line, name), (_prim, calls, *_rest) in stats.items()
               if name == "block_container_layout" and path.endswith("block.py"))


def test_the_annex_layout_is_linear_in_its_rows():
    rendering.warm_up()
    small, medium, large = layout_calls(20), layout_calls(40), layout_calls(80)
    per_row_first, per_row_then = (medium - small) / 20, (large - medium) / 40
    assert per_row_first > 0
    # each row costs what the one before it cost: no re-layout of earlier rows or of the whole table
    assert per_row_then <= 1.15 * per_row_first, (small, medium, large)


def test_the_stylesheet_and_fonts_are_prepared_once_and_not_fetched_per_render():
    css, fonts = rendering.prepared_stylesheet()
    fetcher = rendering.AssetFetcher()
    rendering.html_to_pdf(certificate_html(2), fetcher=fetcher)
    rendering.html_to_pdf(certificate_html(2), fetcher=fetcher)
    assert rendering.prepared_stylesheet() == (css, fonts)
    assert not [url for url in fetcher.fetched if url.endswith((".otf", ".css"))], fetcher.fetched


@pytest.mark.skipif(not fontsubset.AVAILABLE, reason="HarfBuzz without hb_subset_preprocess")
def test_the_packaged_fonts_are_preprocessed_once_and_subset_to_the_same_bytes():
    html = certificate_html(5)
    rendering.html_to_pdf(html)  # the faces of this thread's font configuration are preprocessed here
    before = fontsubset.preprocessed_count
    fast, pages = rendering.html_to_pdf(html)
    rendering.html_to_pdf(certificate_html(7))
    assert fontsubset.preprocessed_count == before  # not again for later documents
    # WeasyPrint's own subsetting (outside html_to_pdf) writes the same PDF, font programs included
    css, fonts = rendering.prepared_stylesheet()
    document = rendering.ProductHTML(string=html, base_url=rendering.BASE_URL,
                                     url_fetcher=rendering.AssetFetcher()).render(stylesheets=[css], font_config=fonts)
    assert document.write_pdf(finisher=rendering.compress_large_streams) == fast and pages == len(document.pages)


def test_the_font_programs_are_deflated_at_a_cheaper_level_and_still_read_back():
    import zlib

    from pypdf import PdfReader

    pdf, _pages = rendering.html_to_pdf(certificate_html(3))
    reader = PdfReader(io.BytesIO(pdf))
    programs = []
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            for descendant in ref.get_object()["/DescendantFonts"]:
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                programs.append(descriptor["/FontFile3"].get_object())
    assert programs
    for program in {id(p): p for p in programs}.values():
        assert program["/Filter"] == "/FlateDecode"
        assert zlib.decompress(program._data).startswith(b"OTTO")  # the OpenType (CFF) program, intact


def test_a_worker_process_loads_the_fonts_then_freezes_them_out_of_the_collectors_way(monkeypatch):
    from documents import tasks

    calls = []
    monkeypatch.setattr(rendering, "warm_up", lambda: calls.append("warm_up"))
    try:
        tasks._load_fonts_once()  # the worker_process_init handler
        assert calls == ["warm_up"] and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def nested(depth: int, function):
    return function() if depth == 0 else nested(depth - 1, function)


@pytest.mark.skipif(not hasattr(resource, "getrusage") or sys.platform != "linux", reason="Linux page-fault counts")
def test_rendering_does_not_thrash_the_frame_stack_whatever_the_depth_it_starts_at():
    # Without framestack.call, WeasyPrint's recursion crossing a 16 KiB frame-stack chunk boundary
    # maps and unmaps a chunk each time: 500 to 7,000 page faults per certificate, by starting depth.
    html = certificate_html(10)
    rendering.html_to_pdf(html)
    faults = {}
    for depth in range(0, 64, 4):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        nested(depth, lambda: rendering.html_to_pdf(html))
        faults[depth] = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert max(faults.values()) < 300, faults


def weasyprint_own(html: str) -> tuple[bytes, int]:
    """``html`` laid out as html_to_pdf does, but with WeasyPrint's own text layouts (rebuilt to draw)."""
    css, fonts = rendering.prepared_stylesheet()
    document = rendering.ProductHTML(string=html, base_url=rendering.BASE_URL,
                                     url_fetcher=rendering.AssetFetcher()).render(stylesheets=[css], font_config=fonts)
    with fontsubset.enabled():
        return document.write_pdf(finisher=rendering.compress_large_streams), len(document.pages)


@pytest.mark.skipif(not textlayout.AVAILABLE, reason="a WeasyPrint whose Pango declarations differ")
def test_lines_are_drawn_from_the_layouts_their_line_breaking_made_to_the_same_bytes():
    html = certificate_html(40, wrapping=True)  # wrapped cells, a pre-wrap line break, justified paragraphs
    rendering.html_to_pdf(html)
    reused, rebuilt = textlayout.reused, textlayout.rebuilt
    fast = rendering.html_to_pdf(html)
    reused, rebuilt = textlayout.reused - reused, textlayout.rebuilt - rebuilt
    assert fast == weasyprint_own(html) and fast[1] == 4
    # nearly every drawn line reuses its layout; the few rebuilt ones are the letter-spaced titles
    # and the text around a preserved line break
    assert reused > 300 and rebuilt < 20, (reused, rebuilt)


ODD_TEXT = """<html><body>
<p>Kerning: AVATAR Wolf, fi ffi — “quotes” ‘x’ e\u0301 a\u0308 ZWSP:a\u200bb ZWJ:a\u200db</p>
<p>罕见字：瑨 䶮 𠀀 𪚥 — a character in no font at all: \U0010fffd</p>
<p style="letter-spacing: 0.1em">间距 spaced</p><p style="word-spacing: 3pt">word spaced text here</p>
<p style="text-align: justify; width: 60mm">justified Latin text that wraps over a few lines of the narrow box</p>
<p style="white-space: pre-wrap">first line\nsecond line\tand a tab</p>
<p style="text-decoration: underline line-through">装饰 decorated</p>
<p style="text-overflow: ellipsis; overflow: hidden; white-space: nowrap; width: 20mm">ellipsized long text here</p>
<div style="float: right; width: 20mm; height: 15mm">浮动框</div><p>lines beside a float avoid it, lines below it do not</p>
<p style="direction: rtl">right to left lines in a right to left block</p>
<div style="outline: 1pt dashed #c00; outline-offset: 1pt"><p style="outline: 2pt solid blue">outlined</p></div>
<p style="font-variant-ligatures: none; font-kerning: none">AVATAR ffi</p><h2>书签 bookmark</h2>
<div style="transform: rotate(3deg)"><h3>转动的书签 a rotated bookmark</h3></div><p style="font-feature-settings: 'smcp'">Caps</p>
</body></html>"""


def test_odd_text_is_drawn_to_the_same_bytes():
    written, free_lines = textlayout.lines_written, boxvalues.free_lines
    assert rendering.html_to_pdf(ODD_TEXT) == weasyprint_own(ODD_TEXT)
    assert textlayout.lines_written > written and boxvalues.free_lines > free_lines


@pytest.mark.skipif(not textlayout.AVAILABLE, reason="a WeasyPrint whose Pango declarations differ")
def test_text_layouts_outside_the_renderer_are_weasyprints_own():
    css, fonts = rendering.prepared_stylesheet()
    reused, rebuilt = textlayout.reused, textlayout.rebuilt
    weasyprint_own(certificate_html(3))
    assert (textlayout.reused, textlayout.rebuilt) == (reused, rebuilt)
    # the shared Pango contexts and font descriptions live on the font configuration: a handful
    rendering.html_to_pdf(certificate_html(3))
    cache = fonts.__dict__["_documents_text_cache"]
    assert 0 < len(cache) < 30, sorted(map(str, cache))
    # per style object, within a render only: nothing outlives it
    with pytest.raises(LookupError):
        textlayout._per_style.get()
    # the strut cache is keyed by tuples of font properties inside the renderer, by their str() outside
    assert any(isinstance(key, tuple) for key in fonts.strut_layouts)
    assert all(isinstance(key, (tuple, str)) for key in fonts.strut_layouts)


def test_the_annex_cells_plain_borders_are_drawn_directly_to_the_same_bytes():
    html = certificate_html(30, wrapping=True)
    before = borders.plain
    fast = rendering.html_to_pdf(html)
    drawn = borders.plain - before
    assert 31 * 6 <= drawn <= 31 * 6 + 20, drawn  # every cell of every row (and the header row) at least
    assert fast == weasyprint_own(html)  # the certificate's double frame and the rules went WeasyPrint's way


def test_box_lengths_and_absent_backgrounds_are_worked_out_inline_to_the_same_bytes():
    import weasyprint.layout

    layout_modules = [module for name, module in sys.modules.items()
                      if name.startswith("weasyprint.layout.") and hasattr(module, "resolve_percentages")]
    assert weasyprint.layout.block in layout_modules and weasyprint.layout.table in layout_modules
    assert all(module.resolve_percentages is boxvalues.resolve_percentages for module in layout_modules)
    html = certificate_html(30, wrapping=True)
    before = boxvalues.no_background
    fast = rendering.html_to_pdf(html)
    settled = boxvalues.no_background - before
    assert settled > 500, settled  # the cells, lines and text boxes; the header cells' grey goes WeasyPrint's way
    assert fast == weasyprint_own(html)


def test_the_qr_codes_mask_is_qrcodes_choice_from_one_data_placement():
    import random

    import qrcode
    from qrcode import util

    from documents import qrmask

    chooser = random.Random(20261130)
    levels = (qrcode.constants.ERROR_CORRECT_L, qrcode.constants.ERROR_CORRECT_M,
              qrcode.constants.ERROR_CORRECT_Q, qrcode.constants.ERROR_CORRECT_H)
    versions = set()
    for length in (1, 10, 40, 80, 150, 260, 400):  # versions 1 to 14: with and without version modules
        for level in levels:
            data = "https://cma.example.gov.cn/v/" + "".join(chooser.choice("abcxyz0189/?=&") for _ in range(length))
            theirs, ours = qrcode.QRCode(error_correction=level, border=2), qrmask.QRCode(error_correction=level, border=2)
            for code in (theirs, ours):
                code.add_data(data)
                code.make(fit=True)
            assert ours.get_matrix() == theirs.get_matrix(), (length, level)
            versions.add(theirs.version)
            for mask in range(8):  # the score of every candidate, not only the winner
                theirs.makeImpl(True, mask)
                rows = [qrmask._row_bits(row) for row in theirs.modules]
                assert qrmask.lost_point(rows, theirs.modules_count) == util.lost_point(theirs.modules), (length, mask)
    assert min(versions) < 7 <= max(versions), versions


def test_pdf_numbers_are_formatted_as_pydyf_formats_them():
    import math
    import random

    chooser = random.Random(7)
    values = [0.0, -0.0, 1.0, -1.0, 0.5, 1 / 3, -2.75, 1e-7, -1e-7, 5e-7, 4.9999999e-7, 12.3456785, 1e20, -1e300,
              math.inf, -math.inf, math.nan, 0, 7, -5, 10**30, True, False, b"raw", "text"]
    values += [chooser.uniform(-2000, 2000) for _ in range(20000)]
    values += [chooser.randint(-10**6, 10**6) / chooser.choice((1, 2, 3, 4, 1000)) for _ in range(20000)]
    with pdfnumbers.enabled():
        ours = [pdfnumbers.to_bytes(value) for value in values]
    assert ours == [pdfnumbers._pydyf_to_bytes(value) for value in values]


def test_the_metadata_of_a_document_parsed_as_xml_is_read_from_its_element_tree():
    extra = '<meta name="keywords" content="证书, 附表"/><meta name="generator" content="x"/><link rel="stylesheet"/>'
    html = certificate_html(3).replace("</head>", extra + "</head>")
    document = rendering.ProductHTML(string=html, base_url=rendering.BASE_URL, url_fetcher=rendering.AssetFetcher())
    assert document.parsed_as_xml
    ours = rendering.html_metadata(document)
    assert ours == rendering._weasyprint_html_metadata(document)  # through cssselect2, as WeasyPrint reads it
    assert ours["title"] and ours["authors"] and ours["keywords"] == ["证书", "附表"] and ours["lang"] == "zh-Hans"


def test_the_stylesheets_of_a_document_parsed_as_xml_are_found_in_its_element_tree():
    import weasyprint.css

    links = ('<style>p { color: #c00 }</style><style type="text/plain">p { color: blue }</style>'
             '<link rel="stylesheet" href="pdf.css"/><link rel="alternate stylesheet" href="ua.css"/><link rel="icon" href="x"/>')
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="5" height="5">'
           '<style>rect { fill: red }</style><rect width="5" height="5"/></svg>')
    html = certificate_html(3).replace("</head>", links + "</head>").replace("<body>", "<body><p>样式</p>" + svg)
    document = rendering.ProductHTML(string=html, base_url=rendering.BASE_URL, url_fetcher=rendering.AssetFetcher())
    assert document.parsed_as_xml and weasyprint.css.find_stylesheets is rendering.find_stylesheets
    found = [wrapper.etree_element for wrapper in rendering._StylesheetLinks(document.wrapper_element).query_all("style", "link")]
    assert found == [wrapper.etree_element for wrapper in document.wrapper_element.query_all("style", "link")]
    assert len(found) == 6
    from_xml, from_html = both_parsers(html)  # the HTML parser's document goes through WeasyPrint's own search
    assert from_xml == from_html


def test_the_box_tree_is_walked_and_classified_as_weasyprint_does():
    css, fonts = rendering.prepared_stylesheet()
    html = certificate_html(12, wrapping=True)  # absolutely placed corners: placeholders in the tree
    document = rendering.ProductHTML(string=html, base_url=rendering.BASE_URL,
                                     url_fetcher=rendering.AssetFetcher()).render(stylesheets=[css], font_config=fonts)
    walked = 0
    with boxvalues.enabled():
        for page in document.pages:
            for placeholders in (False, True):
                theirs = list(boxvalues._weasyprint_descendants(page._page_box, placeholders))
                ours = list(page._page_box.descendants(placeholders))
                assert [id(box) for box in ours] == [id(box) for box in theirs]
                walked += len(ours)
            for box in page._page_box.descendants():
                if hasattr(box, "style"):
                    assert box.is_in_normal_flow() == boxvalues._weasyprint_is_in_normal_flow(box)
    assert walked > 500


def test_a_used_length_is_weasyprints_percentage_of_it():
    from weasyprint.css.properties import Dimension
    from weasyprint.layout.percent import percentage

    style = {"v": None}
    for value in (Dimension(12.5, "px"), Dimension(40, "%"), Dimension(0, "px"), Dimension(-3, "%"), "auto", None):
        style["v"] = value
        for refer_to in (200, 33.3, 0):
            assert boxvalues._used(style, "v", refer_to) == percentage(value, style, refer_to), (value, refer_to)


def test_elements_share_their_computed_styles_whatever_the_number_of_rows():
    import weasyprint.css

    created = []
    original = weasyprint.css.ComputedStyle.__init__

    def counting(self, *args, **kwargs):
        created.append(1)
        original(self, *args, **kwargs)

    counts = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(weasyprint.css.ComputedStyle, "__init__", counting)
        for items in (10, 40):
            created.clear()
            rendering.html_to_pdf(certificate_html(items, wrapping=True))
            counts.append(len(created))
    # one style per kind of element (and per page and margin box), not one per element or per marker
    assert counts[0] < 100 and counts[1] - counts[0] <= 6, counts
    assert not re.search(r"^::marker", rendering.UA_STYLESHEET.read_text(), re.MULTILINE)  # a bare ::marker rule


def test_shared_styles_are_not_cascaded_and_undeclared_values_are_weasyprints():
    import weasyprint.css
    from weasyprint.css.properties import INITIAL_VALUES

    def styles(html: str):
        css, fonts = rendering.prepared_stylesheet()
        document = rendering.ProductHTML(string=html, base_url=rendering.BASE_URL, url_fetcher=rendering.AssetFetcher())
        style_for = weasyprint.css.get_all_computed_styles(document, user_stylesheets=[css], font_config=fonts)
        found = style_for.get_computed_styles()
        keys = list(found)  # (element, pseudo-element): elements in tree order, then pseudo-elements
        shared_with = [next(i for i, other in enumerate(keys) if found[other] is found[key]) for key in keys]
        values = [{name: found[key][name] for name in INITIAL_VALUES} for key in keys]
        return [(key[0].tag, key[1]) for key in keys], shared_with, values

    for html, at_least in ((certificate_html(12, wrapping=True), 11 * 7), (ODD_TEXT, 1)):
        theirs = styles(html)
        before, settled = cascade.shared, cascade.settled
        with cascade.enabled():
            ours = styles(html)
        assert ours == theirs  # the same elements and pseudo-elements, sharing the same styles, of the same values
        assert cascade.shared - before >= at_least  # e.g. every annex row and its cells after the first
        assert cascade.settled - settled > 10 * len(set(ours[1]))  # most undeclared values of every style
    html = certificate_html(30, wrapping=True)
    assert rendering.html_to_pdf(html) == weasyprint_own(html)


def test_the_element_wrappers_cached_properties_are_computed_once_without_a_lock():
    import xml.etree.ElementTree as ElementTree
    from functools import cached_property

    import cssselect2
    from cssselect2 import tree

    from documents import wrappers

    assert {"id", "classes", "local_name", "namespace_url", "etree_children"} <= set(wrappers.replaced)
    assert not any(isinstance(value, cached_property) for value in vars(tree.ElementWrapper).values())
    root = ElementTree.fromstring('<html lang="zh"><body><p id="a" class="x  y">t<br/></p><svg xmlns="http://www.w3.org/2000/svg"/></body></html>')
    wrapper = cssselect2.ElementWrapper.from_html_root(root)
    seen = []
    for element in wrapper.iter_subtree():
        values = (element.id, element.classes, element.local_name, element.namespace_url, element.lang,
                  [child.tag for child in element.etree_children], element.in_disabled_fieldset)
        assert all(name in vars(element) for name in ("id", "classes", "local_name", "etree_children"))
        assert (element.id, element.classes, element.lang) == values[:2] + (values[4],)  # read back from the instance
        seen.append(values[:4])
    assert seen[2] == ("a", {"x", "y"}, "p", "") and seen[3] == (None, set(), "br", ""), seen
    assert seen[-1][2:] == ("svg", "http://www.w3.org/2000/svg")


def test_border_colours_are_one_colour_exactly_when_weasyprints_set_of_them_is():
    from tinycss2.color4 import parse_color

    grey, same_grey = parse_color("#333"), parse_color("rgb(51 51 51)")
    half, other = parse_color("rgb(51 51 51 / 0.5)"), parse_color("#334")
    black, signed = parse_color("#000"), parse_color("#000")
    signed.coordinates = (-0.0, 0.0, 0.0)
    for a, b in ((grey, same_grey), (grey, half), (grey, other), (black, signed), (grey, "currentcolor")):
        assert borders._same(a, b) == (len({a, b}) == 1), (a, b)


def test_the_margin_boxes_declared_widths_change_nothing_but_the_measuring():
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    css = rendering.STYLESHEET.read_text()
    for at_rule in ("@bottom-center", "@top-left"):
        assert re.search(r"width:\s*100%", rule(css, at_rule)), at_rule  # no min-content measuring per page
    auto_width = re.sub(r"\n\s*(width: 100%|text-align: center);", "", css)
    assert auto_width != css and "100%" not in rule(auto_width, "@bottom-center")
    html = certificate_html(25)  # three pages: both margin boxes
    pdfs = []
    for text in (css, auto_width):
        fonts = FontConfiguration()
        stylesheet = CSS(string=text, base_url=rendering.BASE_URL, url_fetcher=rendering.AssetFetcher(), font_config=fonts)
        document = rendering.ProductHTML(string=html, base_url=rendering.BASE_URL,
                                         url_fetcher=rendering.AssetFetcher()).render(stylesheets=[stylesheet],
                                                                                      font_config=fonts)
        pdfs.append(document.write_pdf())
    assert pdfs[0] == pdfs[1]


def both_parsers(html: str) -> tuple[bytes, bytes]:
    css, fonts = rendering.prepared_stylesheet()
    pdfs = []
    for parse_xml in (True, False):
        document = rendering.ProductHTML(string=html, base_url=rendering.BASE_URL, url_fetcher=rendering.AssetFetcher(),
                                         parse_xml=parse_xml).render(stylesheets=[css], font_config=fonts)
        with fontsubset.enabled():
            pdfs.append(document.write_pdf())
    return pdfs[0], pdfs[1]


def assert_parsed_as_xml_to_the_same_pdf(rendered_documents) -> set[str]:
    from documents.contexts import context_for

    kinds = set()
    for rendered in rendered_documents:
        template, context = context_for(rendered)
        html = render_to_string(template, context)
        assert rendering.well_formed_tree(html) is not None, template  # the fast path is taken
        from_xml, from_html = both_parsers(html)
        assert from_xml == from_html, template
        assert rendering.html_to_pdf(html) == weasyprint_own(html), template  # the kept text layouts draw the same
        kinds.add(rendered.kind)
    return kinds


@pytest.mark.django_db
def test_every_pdf_template_parses_as_xml_to_the_pdf_the_html_parser_gives(certified, client, approver,
                                                                            django_capture_on_commit_callbacks):
    client.force_login(approver)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/certificates/{certified.certificate.number}/", {"kind": "revoke", "reason": "以欺骗手段取得\n第二行"})
    kinds = assert_parsed_as_xml_to_the_same_pdf(RenderedDocument.objects.all())
    assert {"certificate", "acceptance_notice", "revocation_letter"} <= kinds, kinds


@pytest.mark.django_db
def test_the_decision_and_refusal_templates_parse_as_xml_to_the_same_pdf(draft, applicant, acceptor, reviewer, approver,
                                                                         django_capture_on_commit_callbacks):
    from tests.workflows.helpers import complete, to_decision

    with django_capture_on_commit_callbacks(execute=True):
        to_decision(draft, applicant, acceptor, reviewer)
        complete(draft, "decide", approver, "approve_partially", refused_items={2: "标准已废止"}, comment="部分能力不符合")
    assert "decision_letter" in assert_parsed_as_xml_to_the_same_pdf(RenderedDocument.objects.filter(application=draft))


def test_markup_that_is_not_well_formed_xml_goes_through_the_html_parser():
    assert rendering.well_formed_tree("<html><body><p>a<br>b</p></body></html>") is None
    assert rendering.well_formed_tree('<html><head><base href="http://x/"/></head><body/></html>') is None
    assert rendering.well_formed_tree("<html><body><p>a\x0bb</p></body></html>") is None  # not an XML character
    entities = '<!DOCTYPE html [<!ENTITY a "aaaa">]><html><body><p>&a;</p></body></html>'
    assert rendering.well_formed_tree(entities) is None
    pdf, pages = rendering.html_to_pdf("<html><body><p>a<br>b\x0b</p></body></html>")
    assert pages == 1 and pdf.startswith(b"%PDF")


def test_the_collector_is_paused_during_a_render_and_comes_back_as_it_was():
    seen = []
    original = rendering._lay_out

    def spy(html, fetcher):
        seen.append(gc.isenabled())
        return original(html, fetcher)

    assert gc.isenabled()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rendering, "_lay_out", spy)
        with rendering.collector_paused():  # an outer render still running: the inner one does not resume it
            rendering.html_to_pdf(certificate_html(1))
            assert not gc.isenabled()
        assert gc.isenabled() and seen == [False]
        gc.disable()
        try:  # a process that runs without the collector keeps it off
            rendering.html_to_pdf(certificate_html(1))
            assert not gc.isenabled()
        finally:
            gc.enable()
    assert rendering._collector_pausers == 0


def test_the_shortcuts_run_only_on_the_releases_they_mirror(monkeypatch, caplog):
    import importlib.metadata

    from documents import rendering

    assert rendering.SHORTCUTS  # the pinned releases are installed: the shortcuts are on
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version",
                        lambda name: "71.0" if name == "weasyprint" else real(name))
    with caplog.at_level("WARNING", logger="documents.rendering"):
        assert rendering._shortcuts_apply() is False  # another release: WeasyPrint's own code
    assert "shortcuts off" in caplog.text and "71.0" in caplog.text
