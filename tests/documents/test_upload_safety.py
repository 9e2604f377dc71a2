"""Hostile uploads are refused with a clear message and nothing is stored; what is accepted is served
so that no browser runs it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from documents import services
from documents.models import Document
from tests.documents import bad_files
from tests.documents.factories import image_bytes, upload
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bare(applicant):
    return ApplicationFactory(agency=applicant.agency, created_by=applicant, documents=False)


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files] if os.path.exists(root) else []


CORPUS = {
    "page-open JavaScript": (bad_files.page_open_js, "质量手册.pdf", "脚本"),
    "link annotation JavaScript": (bad_files.link_annotation_js, "程序文件.pdf", "脚本"),
    "javascript: link": (bad_files.link_javascript_uri, "程序文件.pdf", "脚本"),
    "chained OpenAction": (bad_files.chained_open_action, "报告.pdf", "脚本"),
    "form-field JavaScript": (bad_files.form_field_js, "申请书.pdf", "脚本"),
    "unreferenced JavaScript object": (bad_files.unreferenced_js, "报告.pdf", "脚本"),
    "launch action": (bad_files.launch_action, "报告.pdf", "启动外部程序"),
    "embedded .exe": (bad_files.embedded_exe, "附件.pdf", "嵌入的附件"),
    "huge-dimension PNG": (bad_files.huge_png, "平面图.png", "图片尺寸过大（7745×7745像素，最多4000万像素）"),
    "PDF/HTML polyglot named .html": (bad_files.pdf_html_polyglot, "notice.html", "网页代码"),
}


@pytest.mark.parametrize("case", list(CORPUS))
def test_the_hostile_corpus_is_refused_with_a_clear_message_and_nothing_stored(bare, applicant, settings, case):
    make, name, message = CORPUS[case]
    with pytest.raises(ValidationError) as caught:
        services.document_upload(application=bare, by=applicant, requirement="premises", file=upload(make(), name))
    assert message in " ".join(caught.value.message_dict["file"])
    assert not Document.objects.exists()
    assert stored_files(settings) == []


def test_the_corpus_is_refused_through_the_api_too(bare, applicant, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api
    client.force_authenticate(applicant)
    for case, (make, name, message) in CORPUS.items():
        upload_file = SimpleUploadedFile(name, make(), content_type="application/octet-stream")
        response = client.post(f"/api/v1/applications/{bare.pk}/documents/",
                               {"requirement": "premises", "file": upload_file}, format="multipart")
        assert response.status_code == 400, case
        assert message in json.dumps(response.json(), ensure_ascii=False), case
    assert not Document.objects.filter(application=bare).exists()


def test_ordinary_links_and_open_views_are_accepted(bare, applicant):
    doc = services.document_upload(application=bare, by=applicant, requirement="premises",
                                   file=upload(bad_files.harmless_links(), "场所.pdf"))
    assert doc.content_type == "application/pdf"


def test_the_pixel_limit_comes_from_the_settings(bare, applicant, settings):
    settings.DOCUMENT_MAX_IMAGE_PIXELS = 64 * 48 - 1
    with pytest.raises(ValidationError) as caught:
        services.document_upload(application=bare, by=applicant, requirement="premises",
                                 file=upload(image_bytes("PNG", size=(64, 48)), "a.png"))
    assert "64×48像素" in caught.value.message_dict["file"][0]
    settings.DOCUMENT_MAX_IMAGE_PIXELS = 64 * 48
    services.document_upload(application=bare, by=applicant, requirement="premises",
                             file=upload(image_bytes("PNG", size=(64, 48)), "a.png"))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_an_image_damaged_inside_its_pixel_data_is_refused(bare, applicant, fmt):
    from PIL import Image

    good = image_bytes(fmt, size=(300, 200))
    if fmt == "PNG":
        good = bad_files.huge_png(300, 200)
        cut = good[:-40] + good[-12:]  # pixel data cut short, chunks re-closed: the IDAT CRC fails
    else:
        noisy = Image.effect_noise((300, 200), 80).convert("RGB")
        import io
        out = io.BytesIO()
        noisy.save(out, format="JPEG")
        good = out.getvalue()
        cut = good[: len(good) // 2]  # the scan stops half-way (decoded at 1/8 scale, still noticed)
    services.document_upload(application=bare, by=applicant, requirement="premises", file=upload(good, f"ok.{fmt.lower()}"))
    with pytest.raises(ValidationError) as caught:
        services.document_upload(application=bare, by=applicant, requirement="premises", file=upload(cut, f"cut.{fmt.lower()}"))
    assert "图片文件已损坏" in caught.value.message_dict["file"][0]


@pytest.mark.parametrize("options", [{}, {"progressive": True}, {"optimize": True, "quality": 40},
                                     {"subsampling": 0}, {"exif": "camera"}])
def test_ordinary_jpegs_pass_the_structure_check(bare, applicant, options):
    import io

    from PIL import Image

    if options.get("exif") == "camera":
        exif = Image.Exif()
        exif[0x010F] = "Canon"  # Make
        options = {"exif": exif.tobytes()}
    out = io.BytesIO()
    Image.effect_noise((640, 480), 60).convert("RGB").save(out, format="JPEG", **options)
    doc = services.document_upload(application=bare, by=applicant, requirement="premises", file=upload(out.getvalue(), "照片"))
    assert doc.original_name == "照片.jpg"


def test_interlaced_and_palette_pngs_are_checked_to_the_byte(bare, applicant):
    """The expected pixel-data size is computed for every PNG layout Pillow writes."""
    import io

    from PIL import Image

    from documents.image_safety import check_png_stream

    for mode in ("1", "L", "P", "RGB", "RGBA", "LA", "I;16"):
        for interlace in (0, 1):
            for size in ((1, 1), (7, 3), (33, 17)):
                out = io.BytesIO()
                Image.new(mode, size).save(out, format="PNG", interlace=interlace)
                check_png_stream(out.getvalue())  # raises if our arithmetic disagrees with Pillow's encoder


def test_downloads_carry_the_detected_extension_and_are_never_rendered(bare, applicant, api):
    api.force_authenticate(applicant)
    doc = services.document_upload(application=bare, by=applicant, requirement="premises",
                                   file=upload(image_bytes("PNG"), "notice.html"))
    assert doc.original_name == "notice.png"
    # a row stored before this rule still downloads under the extension of its type
    Document.objects.filter(pk=doc.pk).update(original_name="old.html")
    from django.test import Client

    page = Client()
    page.force_login(applicant)
    for response in (page.get(f"/documents/{doc.pk}/file/"),
                     api.get(f"/api/v1/applications/{bare.pk}/documents/{doc.pk}/file")):
        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="old.png"'
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
        assert "sandbox" in response["Content-Security-Policy"]
        assert b"".join(response.streaming_content) == image_bytes("PNG")


MEMORY_PROBE = """
import os, sys, threading
import django
django.setup()
from django.core.exceptions import ValidationError
from documents.validation import check_upload
from tests.documents.bad_files import huge_png
import io
data = huge_png()
def rss_mb(field="VmRSS"):  # VmHWM: this process's peak (ru_maxrss would carry the parent's over exec)
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(field)) / 1024
peak = [rss_mb()]
done = threading.Event()
def watch():
    while not done.is_set():
        peak[0] = max(peak[0], rss_mb())
        done.wait(0.005)
watcher = threading.Thread(target=watch); watcher.start()
before = rss_mb()
codes = []
def one():
    try:
        check_upload(io.BytesIO(data), name="plan.png", size=len(data))
        codes.append("accepted")
    except ValidationError as e:
        codes.append(e.code)
mode = sys.argv[1]
if mode == "decode":  # the control: what one full decode costs
    from PIL import Image
    Image.MAX_IMAGE_PIXELS = None
    Image.open(io.BytesIO(data)).load()
    codes = ["decoded"] * 8
else:
    threads = [threading.Thread(target=one) for _ in range(8)]
    [t.start() for t in threads]; [t.join() for t in threads]
done.set(); watcher.join()
peak_mb = max(peak[0], rss_mb("VmHWM"))
print(before, peak_mb, ",".join(codes), len(data))
"""


def test_eight_concurrent_oversize_images_stay_far_below_300_mb():
    """In a fresh process: 8 threads check the 7745 × 7745 PNG at once; the peak resident memory stays
    under 300 MB. The control run decodes the same file once, to show the probe sees a decode."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def probe(mode: str):
        result = subprocess.run([sys.executable, "-c", MEMORY_PROBE, mode], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        before, peak, codes, size = result.stdout.split()
        return float(before), float(peak), codes.split(","), int(size)

    before, peak, codes, size = probe("refuse")
    assert codes == ["image_too_large"] * 8
    assert size < 300_000  # the file is small; only decoding it is big
    assert peak < 300, f"peak {peak:.0f} MB"
    assert peak - before < 30, f"8 refusals took {peak - before:.0f} MB"
    control_before, control_peak, _, _ = probe("decode")
    assert control_peak - control_before > 40, "the probe must notice a full decode"


def test_issued_pdfs_carry_the_same_download_headers(certified, applicant, api):
    from django.test import Client

    from documents.models import RenderedDocument

    page = Client()
    page.force_login(applicant)
    api.force_authenticate(applicant)
    rendered = RenderedDocument.objects.filter(application=certified).first()
    number = certified.certificate.number
    responses = [page.get(f"/issued/{rendered.pk}/pdf/"), page.get(f"/certificates/{number}/pdf/"),
                 api.get(f"/api/v1/issued/{rendered.pk}/pdf"), api.get(f"/api/v1/certificates/{number}/pdf")]
    for response in responses:
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;") and ".pdf" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
