"""Bar charts as PNG without a plotting library (matplotlib is not in the lock): pixels, a 5×7 font, zlib.

Good enough for a report's figures: a title, one bar per label, the value over each bar.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from typing import Final

Color = tuple[int, int, int]
WHITE: Final = (255, 255, 255)
INK: Final = (40, 40, 40)
GRID: Final = (225, 225, 225)
BAR: Final = (52, 101, 164)
PEAK: Final = (204, 85, 0)

# 5x7 glyphs, one string of 7 rows of 5 bits each; unknown characters print as a box.
_FONT: Final = {
    "0": "01110 10001 10011 10101 11001 10001 01110",
    "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111",
    "3": "11110 00001 00001 01110 00001 00001 11110",
    "4": "00010 00110 01010 10010 11111 00010 00010",
    "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110",
    "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110",
    "9": "01110 10001 10001 01111 00001 00010 01100",
    "A": "01110 10001 10001 11111 10001 10001 10001",
    "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110",
    "D": "11100 10010 10001 10001 10001 10010 11100",
    "E": "11111 10000 10000 11110 10000 10000 11111",
    "F": "11111 10000 10000 11110 10000 10000 10000",
    "G": "01110 10001 10000 10111 10001 10001 01111",
    "H": "10001 10001 10001 11111 10001 10001 10001",
    "I": "01110 00100 00100 00100 00100 00100 01110",
    "J": "00111 00010 00010 00010 00010 10010 01100",
    "K": "10001 10010 10100 11000 10100 10010 10001",
    "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001",
    "N": "10001 10001 11001 10101 10011 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110",
    "P": "11110 10001 10001 11110 10000 10000 10000",
    "Q": "01110 10001 10001 10001 10101 10010 01101",
    "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110",
    "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110",
    "V": "10001 10001 10001 10001 10001 01010 00100",
    "W": "10001 10001 10001 10101 10101 10101 01010",
    "X": "10001 10001 01010 00100 01010 10001 10001",
    "Y": "10001 10001 01010 00100 00100 00100 00100",
    "Z": "11111 00001 00010 00100 01000 10000 11111",
    " ": "00000 00000 00000 00000 00000 00000 00000",
    ".": "00000 00000 00000 00000 00000 01100 01100",
    ",": "00000 00000 00000 00000 01100 00100 01000",
    "-": "00000 00000 00000 11111 00000 00000 00000",
    ":": "00000 01100 01100 00000 01100 01100 00000",
    "/": "00001 00010 00010 00100 01000 01000 10000",
    "%": "11001 11010 00010 00100 01000 01011 10011",
    "&": "01100 10010 10100 01000 10101 10010 01101",
    "(": "00010 00100 01000 01000 01000 00100 00010",
    ")": "01000 00100 00010 00010 00010 00100 01000",
    ">": "01000 00100 00010 00001 00010 00100 01000",
}
_ACCENTS: Final = str.maketrans("ÉÈÊËÀÂÎÏÔÛÙÇ", "EEEEAAIIOUUC")


class Canvas:
    """An RGB image in memory."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(WHITE * (width * height))

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: Color) -> None:
        x0, x1 = max(0, min(x0, x1)), min(self.width, max(x0, x1))
        y0, y1 = max(0, min(y0, y1)), min(self.height, max(y0, y1))
        row = bytes(color) * (x1 - x0)
        for y in range(y0, y1):
            start = (y * self.width + x0) * 3
            self.pixels[start : start + len(row)] = row

    def text(self, x: int, y: int, text: str, color: Color = INK, scale: int = 1) -> None:
        for i, ch in enumerate(text.upper().translate(_ACCENTS)):
            glyph = _FONT.get(ch, "11111 10001 10001 10001 10001 10001 11111")
            for r, bits in enumerate(glyph.split()):
                for c, bit in enumerate(bits):
                    if bit == "1":
                        px = x + (i * 6 + c) * scale
                        self.rect(px, y + r * scale, px + scale, y + (r + 1) * scale, color)

    @staticmethod
    def text_width(text: str, scale: int = 1) -> int:
        return len(text) * 6 * scale

    def png(self) -> bytes:
        raw = b"".join(b"\x00" + bytes(self.pixels[y * self.width * 3 : (y + 1) * self.width * 3]) for y in range(self.height))

        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def bar_chart(
    title: str, labels: Sequence[str], values: Sequence[float], highlight: int | None = None, value_format: str = "{:,.0f}"
) -> bytes:
    """A vertical bar chart; bar `highlight` (an index) in another color."""
    n = max(1, len(labels))
    slot = max(28, min(90, 900 // n))
    left, right, top, bottom = 20, 20, 40, 50
    width = left + slot * n + right
    height = 320
    canvas = Canvas(width, height)
    canvas.text(left, 12, title, scale=2)
    plot_h = height - top - bottom
    peak = max([v for v in values if v > 0], default=1.0)
    for frac in (0.25, 0.5, 0.75, 1.0):
        y = top + plot_h - int(plot_h * frac)
        canvas.rect(left, y, width - right, y + 1, GRID)
    canvas.rect(left, top + plot_h, width - right, top + plot_h + 1, INK)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + i * slot
        bar_h = int(plot_h * max(0.0, value) / peak)
        color = PEAK if i == highlight else BAR
        canvas.rect(x + slot // 6, top + plot_h - bar_h, x + slot - slot // 6, top + plot_h, color)
        shown = value_format.format(value)
        if canvas.text_width(shown) <= slot + 4:
            canvas.text(x + (slot - canvas.text_width(shown)) // 2, top + plot_h - bar_h - 10, shown)
        short = label[: max(1, slot // 6)]
        canvas.text(x + (slot - canvas.text_width(short)) // 2, top + plot_h + 8, short)
    return canvas.png()
