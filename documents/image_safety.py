"""Images checked without decoding them into memory.

The dimensions come from the header (Pillow reads only that on open), and are refused above the
configured pixel count before any pixel is decoded. What remains is checked for integrity without
holding the picture: a PNG's chunks and CRCs are read and its compressed pixel data inflated in small
pieces and counted, never kept; a JPEG is decoded at an eighth of its size (the decoder's draft mode),
which still reads every compressed block.
"""

import io
import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # PNG colour type → samples per pixel
ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
PIECE = 64 * 1024


class BrokenImage(ValueError):
    pass


def png_expected_bytes(width: int, height: int, bit_depth: int, colour_type: int, interlaced: bool) -> int:
    """Bytes of filtered scanlines the PNG's pixel data must inflate to."""
    bits = bit_depth * CHANNELS[colour_type]

    def rows(w: int, h: int) -> int:
        return 0 if w == 0 or h == 0 else h * (1 + (w * bits + 7) // 8)

    if not interlaced:
        return rows(width, height)
    return sum(rows((width - x0 + dx - 1) // dx if width > x0 else 0, (height - y0 + dy - 1) // dy if height > y0 else 0)
               for x0, y0, dx, dy in ADAM7)


def check_png_stream(data: bytes) -> None:
    """Every chunk's CRC, the pixel data inflated to exactly the size the header promises, an IEND."""
    if not data.startswith(PNG_SIGNATURE):
        raise BrokenImage("no PNG signature")
    stream = io.BytesIO(data)
    stream.seek(len(PNG_SIGNATURE))
    inflater = zlib.decompressobj()
    header = None
    inflated = 0
    while True:
        head = stream.read(8)
        if len(head) < 8:
            raise BrokenImage("truncated before IEND")
        length, kind = struct.unpack(">I4s", head)
        body = stream.read(length)
        crc = stream.read(4)
        if len(body) < length or len(crc) < 4 or zlib.crc32(kind + body) != struct.unpack(">I", crc)[0]:
            raise BrokenImage(f"bad or truncated {kind!r} chunk")
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if colour not in CHANNELS:
                raise BrokenImage("unknown colour type")
            header = (width, height, depth, colour, interlace == 1)
        elif kind == b"IDAT":
            if header is None:
                raise BrokenImage("pixel data before the header")
            piece = inflater.decompress(body, PIECE)
            while True:
                inflated += len(piece)
                if not inflater.unconsumed_tail:
                    break
                piece = inflater.decompress(inflater.unconsumed_tail, PIECE)
        elif kind == b"IEND":
            break
    if header is None:
        raise BrokenImage("no header")
    inflated += len(inflater.flush())
    if not inflater.eof or inflated != png_expected_bytes(*header):
        raise BrokenImage("pixel data truncated or of the wrong size")


def check_jpeg_markers(data: bytes) -> None:
    """Every segment complete, every scan's entropy-coded data ended by a marker, an end-of-image marker.

    Pillow's own truncation check is off in any process that imported WeasyPrint (it sets
    ``ImageFile.LOAD_TRUNCATED_IMAGES``), so a cut-off JPEG is caught here instead.
    """
    size = len(data)
    if not data.startswith(b"\xff\xd8"):
        raise BrokenImage("no start-of-image marker")
    at = 2
    while True:
        while at < size and data[at] == 0xFF and at + 1 < size and data[at + 1] == 0xFF:
            at += 1  # fill bytes
        if at + 2 > size or data[at] != 0xFF:
            raise BrokenImage("truncated or misplaced marker")
        marker = data[at + 1]
        at += 2
        if marker == 0xD9:
            return
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue  # markers without a length
        if at + 2 > size:
            raise BrokenImage("truncated segment")
        length = struct.unpack(">H", data[at:at + 2])[0]
        if length < 2 or at + length > size:
            raise BrokenImage("truncated segment")
        at += length
        if marker == 0xDA:  # start of scan: entropy-coded data runs to the next real marker
            while True:
                at = data.find(b"\xff", at)
                if at < 0 or at + 1 >= size:
                    raise BrokenImage("scan data truncated")
                following = data[at + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    at += 1 if following == 0xFF else 2
                    continue
                break


def check_jpeg_stream(image, data: bytes) -> None:
    """A JPEG's structure, then a decode (``image``: opened by Pillow) at 1/8 scale: every block is
    read, little is held."""
    check_jpeg_markers(data)
    width, height = image.size
    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
    image.load()
