"""Choosing a QR code's mask pattern without laying out the code eight times.

``qrcode`` (8.2) picks the mask by building the whole matrix once per pattern (its module-by-module
data placement, in Python) and scoring each with ``util.lost_point`` (four nested loops over the
modules): ~80% of the ~5 ms a certificate's QR code costs. In test mode the format and version
modules are blank whatever the pattern, so the eight candidates differ only in their data modules,
each flipped where its pattern says. :class:`QRCode` places the data once (pattern 0, qrcode's own
code), turns the other seven into row bitmasks (data modules and pattern modules per version,
computed once per process) and scores them with :func:`lost_point`, which counts qrcode's four
penalties on row and column strings and bit operations. The chosen pattern is qrcode's, and the
final matrix is built by qrcode itself (tests/documents compare both on many inputs).
"""

import re

import qrcode
from qrcode import util

RUNS = re.compile(r"0{5,}|1{5,}")  # penalty 1: a run of five or more modules of one colour
FINDER_LIKE = re.compile(r"(?=10111010000|00001011101)")  # penalty 3, overlapping occurrences

_tables: dict[int, tuple[list[int], list[list[int]]]] = {}  # version -> (data modules, pattern modules by mask)


def _row_bits(row) -> int:
    """A row of modules as an int, column 0 as the most significant of ``len(row)`` bits."""
    return int("".join("1" if module else "0" for module in row), 2)


def lost_point(rows: list[int], count: int) -> int:
    """``qrcode.util.lost_point`` of the ``count`` × ``count`` matrix whose rows are ``rows``."""
    width = f"0{count}b"
    row_strings = [format(row, width) for row in rows]
    text = " ".join(row_strings + ["".join(column) for column in zip(*row_strings, strict=True)])
    points = sum(len(run) - 2 for run in RUNS.findall(text))
    pairs = (1 << (count - 1)) - 1
    blocks = 0
    for upper, lower in zip(rows, rows[1:], strict=False):
        same_vertically = ~(upper ^ lower)
        blocks += (same_vertically & (same_vertically >> 1) & ~(upper ^ (upper >> 1)) & pairs).bit_count()
    points += 3 * blocks
    points += 40 * len(FINDER_LIKE.findall(text))
    dark = sum(row.bit_count() for row in rows)
    return points + int(abs(float(dark) / (count**2) * 100 - 50) / 5) * 10


class QRCode(qrcode.QRCode):
    """``qrcode.QRCode`` whose mask pattern is chosen as qrcode chooses it, from one data placement."""

    def _mask_tables(self):
        tables = _tables.get(self.version)
        if tables is None:
            count = self.modules_count
            modules = self.modules
            try:  # the blank matrix with its format (and version) modules set: None marks a data module
                self.modules = [row[:] for row in qrcode.main.precomputed_qr_blanks[self.version]]
                self.setup_type_info(True, 0)
                if self.version >= 7:
                    self.setup_type_number(True)
                data = [_row_bits(module is None for module in row) for row in self.modules]
            finally:
                self.modules = modules
            patterns = []
            for mask in range(8):
                flips = util.mask_func(mask)
                patterns.append([_row_bits(flips(r, c) for c in range(count)) for r in range(count)])
            tables = _tables[self.version] = (data, patterns)
        return tables

    def best_mask_pattern(self):
        self.makeImpl(True, 0)  # qrcode's own placement, masked with pattern 0
        data, patterns = self._mask_tables()
        placed = [_row_bits(row) for row in self.modules]
        first = patterns[0]
        min_lost_point = 0
        pattern = 0
        for mask in range(8):
            this = patterns[mask]
            rows = [row ^ ((first[r] ^ this[r]) & data[r]) for r, row in enumerate(placed)]
            points = lost_point(rows, self.modules_count)
            if mask == 0 or min_lost_point > points:
                min_lost_point = points
                pattern = mask
        return pattern
