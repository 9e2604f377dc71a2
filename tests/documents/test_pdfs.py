"""Open the generated PDFs: embedded CJK font, Chinese text, the QR code, the annex, no fetches."""

import base64
import re
import socket
import urllib.request

import pytest
from django.core.files.storage import default_storage
from PIL import Image
from pyzbar.pyzbar import decode

from documents import rendering, services
from documents.contexts import verify_url
from documents.models import RenderedDocument
from tests.documents.helpers import certify, fonts_of, page_png, pdf_of, reader, rendered
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def squeeze(text: str) -> str:
    """Extracted text without whitespace: letter-spacing and line wrapping insert it mid-phrase."""
    return re.sub(r"\s+", "", text)


def text_of(data: bytes, first: int = 0, last: int | None = None) -> str:
    pages = reader(data).pages
    return squeeze("".join(page.extract_text() for page in pages[first:last]))


def test_certificate_embeds_the_cjk_font_and_extracts_as_chinese(certified):
    cert = certified.certificate
    data = pdf_of(rendered(certified, "certificate"))
    fonts = fonts_of(data)
    assert any(name.startswith("embedded:") and "CMA-Serif" in name for name in fonts), fonts
    first = text_of(data, 0, 1)
    assert cert.agency_name in first and cert.number in first
    assert "检验检测机构" in first and "资质认定证书" in first
    assert cert.issuing_authority in first and f"{cert.expires_on.year}年" in first
    assert "贵州省贵阳市观山湖区长岭北路1号" in first and cert.agency.credit_code in first


def test_certificate_qr_code_decodes_to_the_public_verification_url(certified, tmp_path, settings):
    cert = certified.certificate
    png = page_png(pdf_of(rendered(certified, "certificate")), tmp_path, page=1, dpi=150)
    codes = decode(Image.open(png))
    assert [c.data.decode() for c in codes] == [verify_url(cert.number, 1)]
    assert verify_url(cert.number) == f"{settings.SITE_URL}/verify/{cert.number}/"


def test_a_300_item_scope_runs_onto_annex_pages(applicant, acceptor, reviewer, approver, issuer,
                                                  django_capture_on_commit_callbacks):
    app = ApplicationFactory(agency=applicant.agency, created_by=applicant, scope=300)
    certify(app, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks)
    doc = rendered(app, "certificate")
    data = pdf_of(doc)
    pages = reader(data).pages
    assert doc.pages == len(pages) >= 8
    annex = [squeeze(page.extract_text()) for page in pages[1:]]
    assert "食品检测项目1" not in pages[0].extract_text()
    holding = [i for i, text in enumerate(annex) if "食品检测项目300" in text and "GB5009.300-2016" in text]
    assert holding and holding[0] >= len(annex) - 2  # the last item is near the end, pages after page 1
    assert all(f"食品检测项目{n}" in "".join(annex) for n in (1, 150, 299))
    for text in annex[:holding[0] + 1]:  # every annex page repeats the number and the table header
        assert app.certificate.number in text and "依据的标准（方法）名称及编号" in text
    assert f"共{len(pages)}页" in annex[-1]


def test_every_notice_is_rendered_once_and_idempotently(certified):
    kinds = set(RenderedDocument.objects.filter(application=certified).values_list("kind", "state"))
    assert kinds == {("acceptance_notice", "ready"), ("decision_letter", "ready"), ("certificate", "ready")}
    acceptance = rendered(certified, "acceptance_notice")
    text = text_of(pdf_of(acceptance))
    assert "受理通知书" in text and certified.agency.name in text and "决定予以受理" in text and "30个工作日" in text
    decision = text_of(pdf_of(rendered(certified, "decision_letter")))
    assert "准予许可" in decision and "不予许可" not in decision
    before = (acceptance.sha256, acceptance.file.name, acceptance.rendered_at)
    again = services.rendered_render(rendered_id=acceptance.pk)
    assert (again.sha256, again.file.name, again.rendered_at) == before and again.attempts == 1


def test_partial_approval_letter_lists_refused_items_with_reasons(draft, applicant, acceptor, reviewer, approver,
                                                                   django_capture_on_commit_callbacks):
    from tests.workflows.helpers import complete, to_decision

    with django_capture_on_commit_callbacks(execute=True):
        to_decision(draft, applicant, acceptor, reviewer)
        complete(draft, "decide", approver, "approve_partially", refused_items={2: "标准已废止"}, comment="部分能力不符合")
    text = text_of(pdf_of(rendered(draft, "decision_letter")))
    assert "部分准予许可" in text and "标准已废止" in text and "食品检测项目2" in text and "共2项" in text


def test_refusal_notice_carries_the_reason(draft, applicant, acceptor, django_capture_on_commit_callbacks):
    from tests.workflows.helpers import complete
    from workflows import services as flow

    flow.application_submit(application=draft, by=applicant)
    with django_capture_on_commit_callbacks(execute=True):
        complete(draft, "accept", acceptor, "refuse", comment="申请事项不属于本机关职权范围")
    text = text_of(pdf_of(rendered(draft, "refusal_notice")))
    assert "不予受理" in text and "申请事项不属于本机关职权范围" in text and "行政复议" in text


INJECTION = '<b>粗体</b><img src="file:///etc/passwd"><img src="http://203.0.113.9/track.png"> 见 https://evil.example/x'


def test_applicant_text_renders_as_text_and_nothing_is_fetched(applicant, acceptor, reviewer, approver, issuer,
                                                                  django_capture_on_commit_callbacks, monkeypatch):
    fetched, connections = [], []
    original = rendering.AssetFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    def no_network(*args, **kwargs):
        connections.append(args)
        raise AssertionError("the renderer opened a network connection")

    monkeypatch.setattr(rendering.AssetFetcher, "fetch", spy)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    rendering._prepared.css = None  # re-read the stylesheet through the spy too

    app = ApplicationFactory(agency=applicant.agency, created_by=applicant, test_sites=INJECTION,
                             authorised_signatories=INJECTION)
    app.scope_items.filter(seq=1).update(item=INJECTION)
    certify(app, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks)
    data = pdf_of(rendered(app, "certificate"))
    text = text_of(data)
    assert squeeze(INJECTION) in text
    assert b"root:x:0:0" not in data
    assert connections == []
    assets = [url for url in fetched if url.startswith(rendering.BASE_URL)]
    inline = [url for url in fetched if url.startswith(rendering.PNG_DATA_PREFIX)]
    assert assets and len(inline) == 1 and len(assets) + len(inline) == len(fetched), fetched


def test_the_fetcher_refuses_everything_but_packaged_assets():
    fetcher = rendering.AssetFetcher()
    for url in ("file:///etc/passwd", "http://203.0.113.9/x.png", "https://example.com/a.css",
                "data:text/plain,hello", rendering.BASE_URL + "../../../../etc/passwd",
                "file://remote-host" + str(rendering.STYLESHEET)):
        with pytest.raises(rendering.FetchRefused):
            fetcher.fetch(url)
    # an inline PNG is served only if it really is a PNG (the product's QR code)
    fake = rendering.PNG_DATA_PREFIX + base64.b64encode(b"<svg onload=alert(1)>").decode()
    with pytest.raises(rendering.FetchRefused):
        fetcher.fetch(fake)
    assert fetcher.refused and not fetcher.fetched
    assert fetcher.fetch(rendering.STYLESHEET.as_uri()).read().startswith(b"/*")
    qr = rendering.qr_png("http://example.org/verify/262420000001/")
    assert fetcher.fetch(qr).read().startswith(b"\x89PNG")


def test_raw_html_with_remote_and_local_references_renders_without_fetching_them():
    fetcher = rendering.AssetFetcher()
    html = ('<html><head><link rel="stylesheet" href="http://203.0.113.9/x.css"></head><body>'
            '<img src="file:///etc/passwd"><img src="http://203.0.113.9/p.png">'
            '<div style="background: url(file:///etc/hostname)">内容</div></body></html>')
    pdf, pages = rendering.html_to_pdf(html, fetcher=fetcher)
    assert pages == 1 and "内容" in text_of(pdf)
    assert set(fetcher.refused) >= {"http://203.0.113.9/x.css", "file:///etc/passwd", "http://203.0.113.9/p.png"}
    assert fetcher.fetched == []


def test_pdfs_are_stored_outside_any_public_path(certified, settings):
    doc = rendered(certified, "certificate")
    assert doc.file.path.startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(NotImplementedError):
        doc.file.url  # noqa: B018
    assert default_storage is not doc.file.storage


def test_characters_outside_the_packaged_subset_fall_back_to_the_system_font():
    # 堃 and 喆 are common in names but not in GB 2312, so not in the packaged subset.
    html = "<html><body><p>检测机构负责人：王堃、李喆</p></body></html>"
    pdf, _pages = rendering.html_to_pdf(html)
    assert "王堃、李喆" in text_of(pdf)
    fonts = fonts_of(pdf)
    assert any("CMA-Serif" in name for name in fonts) and any("Noto-Serif-CJK-SC" in name for name in fonts), fonts
