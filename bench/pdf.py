"""Benchmark: warm time to render a certificate with a 50-item scope, against WeasyPrint alone.

Run from the repository root:  python bench/pdf.py [--runs 30]

"product" is the whole pipeline of documents/ up to the unsigned PDF bytes, what
``services.rendered_render`` runs for a certificate before signing it: the certificate's context
(canonical payload, QR code), the Django template, then ``rendering.html_to_pdf`` (the template's
XHTML parsed by expat, the layout with the prepared stylesheet and fonts and the asset-only URL
fetcher, with the garbage collector paused and room reserved on the frame stack, the packaged
fonts subset from their preprocessed faces, the font programs deflated at level 6). Not included:
the database reads and the file write around it. Two baselines render *the same HTML* with
WeasyPrint directly, measured in the same run, interleaved with the product so that machine noise
hits all three alike:
  direct      — HTML(string=...).write_pdf(stylesheets=[CSS(filename=pdf.css)]) as a caller
                would write it: the stylesheet and fonts are loaded on every call;
  direct-warm — the same, reusing one parsed stylesheet and font configuration (pure layout and
                PDF writing: the floor for this document).
"signed" is the product plus the embedded PDF signature (pyHanko, signer built once per key, its
space reserved without a dummy signature), what the worker stores: the user-visible render.
The process is first prepared as a worker process is when it starts
(``rendering.prepare_worker_process``: fonts and stylesheet loaded, then frozen out of the garbage
collector's way); the baselines run in that same process.
Targets: product median under 150 ms, product / direct under 1.3.
The last line is one JSON object (bench "pdf"): medians, p90s and CPU medians in ms, the ratios.
``--tiny`` renders a 3-item scope twice (a smoke run for CI).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")  # the production settings (DEBUG off) want one
# The development signing key and address: a bench measures rendering, not the deployment.
os.environ.setdefault("SITE_URL", "https://cma.example.gov.cn")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.template.loader import render_to_string  # noqa: E402
from weasyprint import CSS, HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from approvals.models import Agency, Application, CertificateVersion  # noqa: E402
from bench.jsonline import emit  # noqa: E402
from documents import rendering  # noqa: E402
from documents.contexts import TEMPLATES, certificate_context  # noqa: E402
from documents.models import RenderedDocument  # noqa: E402
from documents.pdfsign import sign_pdf  # noqa: E402
from documents.signing import current_key  # noqa: E402


def sample_certificate(items: int, short: bool = False) -> CertificateVersion:
    agency = Agency(name="贵州黔检检验检测技术有限公司", credit_code="91520100MA6DKQ7X2C",
                    address="贵州省贵阳市观山湖区长岭北路55号")
    application = Application(agency=agency, authorised_signatories="王五 技术负责人 食品\n赵六 质量负责人 全部领域")
    if short:  # one line per cell
        scope = [{"seq": i, "category": "食品", "item": "食用植物油", "parameter": f"酸价{i}",
                  "standard": f"GB 5009.{i}-2016", "limitation": ""} for i in range(1, items + 1)]
    else:  # annex rows as they usually read: long standard titles that wrap
        scope = [
            {"seq": i, "category": "食品", "item": f"食品及食品添加剂检测项目{i}", "parameter": f"铅、镉、总砷等参数{i}",
             "standard": f"GB 5009.{i}-2016 食品安全国家标准", "limitation": "只测第一法" if i % 7 == 0 else ""}
            for i in range(1, items + 1)
        ]
    return CertificateVersion(
        version=1, number="262420000001", application=application, agency_name=agency.name,
        credit_code=agency.credit_code, signatories=application.authorised_signatories, address=agency.address,
        test_sites="贵州省贵阳市观山湖区长岭北路55号实验楼\n贵州省贵阳市白云区科技园3号",
        issuing_authority="贵州省市场监督管理局", approved_on=date(2026, 11, 20), issued_on=date(2026, 11, 26),
        expires_on=date(2032, 11, 25), scope=scope)


def product(certificate: CertificateVersion) -> bytes:
    context = certificate_context(certificate, None)
    pdf, _pages = rendering.render_pdf_pages(TEMPLATES[RenderedDocument.Kind.CERTIFICATE], context)
    return pdf


def product_signed(certificate: CertificateVersion) -> bytes:
    """The product plus the embedded PDF signature (pyHanko, Ed25519), as the worker stores it."""
    return sign_pdf(product(certificate), key=current_key(), reason="资质认定证书")


def direct(html: str) -> bytes:
    fonts = FontConfiguration()
    css = CSS(filename=str(rendering.STYLESHEET), font_config=fonts)
    return HTML(string=html, base_url=rendering.BASE_URL).write_pdf(stylesheets=[css], font_config=fonts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--short", action="store_true", help="one-line annex rows instead of wrapping ones")
    parser.add_argument("--tiny", action="store_true", help="3 items, 2 runs: checks that the bench runs")
    args = parser.parse_args()
    if args.tiny:
        args.items, args.runs = 3, 2

    rendering.prepare_worker_process()  # what documents.tasks does when a worker process starts
    certificate = sample_certificate(args.items, short=args.short)
    html = render_to_string(TEMPLATES[RenderedDocument.Kind.CERTIFICATE], certificate_context(certificate, None))
    warm_fonts = FontConfiguration()
    warm_css = CSS(filename=str(rendering.STYLESHEET), font_config=warm_fonts)

    def direct_warm() -> bytes:
        return HTML(string=html, base_url=rendering.BASE_URL).write_pdf(stylesheets=[warm_css], font_config=warm_fonts)

    cases = {"product": lambda: product(certificate), "signed": lambda: product_signed(certificate),
             "direct": lambda: direct(html), "direct-warm": direct_warm}
    sizes = {name: len(fn()) for name, fn in cases.items()}  # warm-up (fonts, caches, imports)
    for fn in cases.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, fn in cases.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            times[name].append((time.perf_counter() - start) * 1000)
            cpu[name].append((time.process_time() - start_cpu) * 1000)

    med = {name: statistics.median(values) for name, values in times.items()}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"certificate PDF, {args.items}-item scope ({'short' if args.short else 'wrapping'} rows), "
          f"{args.runs} warm runs each (interleaved); "
          f"load average {load:.2f} on {os.cpu_count()} CPUs")
    for name, values in times.items():
        p90 = statistics.quantiles(values, n=10)[-1] if len(values) > 1 else values[0]
        print(f"  {name:<12} median {med[name]:7.1f} ms   p90 {p90:7.1f} ms   CPU median {statistics.median(cpu[name]):7.1f} ms"
              f"   {sizes[name] / 1024:5.0f} KiB")
    print(f"  ratio product / direct      {med['product'] / med['direct']:.2f}   (target < 1.3)")
    print(f"  ratio product / direct-warm {med['product'] / med['direct-warm']:.2f}")
    print(f"  ratio signed / product      {med['signed'] / med['product']:.2f}   (the embedded PDF signature's cost)")
    print(f"  product median {med['product']:.1f} ms {'<' if med['product'] < 150 else '>='} 150 ms target")
    figures = {"items": args.items, "rows": "short" if args.short else "wrapping", "runs": args.runs}
    for name, values in times.items():
        key = name.replace("-", "_")
        figures[f"{key}_median_ms"] = med[name]
        figures[f"{key}_p90_ms"] = statistics.quantiles(values, n=10)[-1] if len(values) > 1 else values[0]
        figures[f"{key}_cpu_median_ms"] = statistics.median(cpu[name])
    figures["ratio_product_direct"] = med["product"] / med["direct"]
    figures["ratio_product_direct_warm"] = med["product"] / med["direct-warm"]
    figures["ratio_signed_product"] = med["signed"] / med["product"]
    emit("pdf", figures)


if __name__ == "__main__":
    main()
