"""Rebuild the packaged CJK font subsets used by the PDF renderer.

The PDFs embed Noto Serif CJK SC (SIL Open Font License 1.1, see OFL.txt). Embedding from the full
26 MB collection makes every render subset a 65,000-glyph face (~60 ms per weight); a packaged
subset holding GB 2312 (6,763 hanzi) plus Latin, CJK and full-width punctuation cuts that to a few
milliseconds. Characters outside the subset (rare given-name characters) still render: the
stylesheet falls back to the system's Noto Serif CJK SC (Debian package fonts-noto-cjk).

Run from the repository root:  python documents/assets/fonts/subset.py
"""

import subprocess
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

HERE = Path(__file__).resolve().parent
FACES = {"Regular": "NotoSerifCJKsc-Regular-GB2312.otf", "Bold": "NotoSerifCJKsc-Bold-GB2312.otf"}
RANGES = [(0x20, 0x7F), (0xA0, 0x180), (0x2000, 0x2070), (0x2100, 0x2200), (0x2460, 0x2500),
          (0x25A0, 0x2600), (0x3000, 0x3040), (0xFF00, 0xFFF0)]


def characters() -> str:
    chars = {chr(cp) for start, end in RANGES for cp in range(start, end)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return "".join(sorted(chars))


def system_collection(weight: str) -> Path:
    found = subprocess.run(["fc-match", "-f", "%{file}", f"Noto Serif CJK SC:{weight.lower()}"],
                           capture_output=True, text=True, check=True).stdout
    return Path(found)


def main() -> None:
    text = characters()
    for weight, target in FACES.items():
        source = system_collection(weight)
        collection = TTCollection(str(source))
        index = next(i for i, font in enumerate(collection.fonts) if font["name"].getDebugName(1) == "Noto Serif CJK SC")
        options = subset.Options()
        options.hinting = False
        options.font_number = index
        font = subset.load_font(str(source), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        subset.save_font(font, str(HERE / target), options)
        print(f"{target}: {(HERE / target).stat().st_size:,} bytes from {source.name}", file=sys.stderr)


if __name__ == "__main__":
    main()
