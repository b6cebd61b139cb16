"""The one cleaning rule for text people type or import: what is stored is what is seen.

`clean()` strips surrounding white space, control characters (keeping newlines and tabs) and invisible
characters that change how text reads or compares without showing:

- bidirectional controls: U+202A-U+202E (embeddings, overrides: "invoice\u202etxt.exe" reads "invoiceexe.txt"),
  U+2066-U+2069 (isolates), U+200E, U+200F, U+061C (direction marks);
- zero-width and other invisible format characters: U+200B, U+2060-U+2064, U+FEFF, U+180E, U+206A-U+206F,
  and tag characters U+E0001, U+E0020-U+E007F (hidden ASCII), except inside an emoji tag flag;
- the joiners U+200C (ZWNJ) and U+200D (ZWJ), except where they visibly change the text: a ZWJ between two
  emoji (a ZWJ sequence such as the technologist or the rainbow flag), and a ZWJ or ZWNJ between two letters
  or marks of the scripts that need them to spell words (Arabic and Persian, Syriac, Thaana, N'Ko, the Indic
  scripts, Mongolian). Elsewhere (between Latin letters, before a space) a joiner changes nothing visible and
  only lets two identical-looking texts differ, so it goes.

Right-to-left text needs none of the removed controls to display: the Unicode bidirectional algorithm orders
Arabic and Hebrew by itself. Removing the direction marks can move neutral punctuation at the edge of a
mixed-direction line; every word stays as typed. Validate lengths on the cleaned text.
"""

from __future__ import annotations

import re
import unicodedata

_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_ZERO_WIDTH = "\u180e\u200b\u2060-\u2064\u206a-\u206f\ufeff"
_TAGS = "\U000e0001\U000e0020-\U000e007f"
INVISIBLE = re.compile(f"[{_BIDI}{_ZERO_WIDTH}]")  # always removed (the tests check this class is gone)
_REMOVE = re.compile(f"(\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f)"  # a tag flag (England), kept whole
                     f"|[{_CONTROL}{_BIDI}{_ZERO_WIDTH}{_TAGS}]|[\u200c\u200d]")
_EMOJI = ((0x2300, 0x23FF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x1F000, 0x1FAFF))
_JOINING = ((0x0600, 0x08FF), (0x0900, 0x0DFF), (0x1800, 0x18AF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFE))


def _within(char: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= ord(char) <= high for low, high in ranges)


def _joins_letters(char: str) -> bool:
    return _within(char, _JOINING) and unicodedata.category(char)[0] in "LM"


def _kept(match: re.Match) -> str:
    if match.group(1):
        return match.group(1)
    char, text, start, end = match.group(), match.string, match.start(), match.end()
    if char not in "\u200c\u200d" or start == 0 or end == len(text):
        return ""
    before, after = text[start - 1], text[end]
    if char == "\u200d" and (_within(before, _EMOJI) or before == "\ufe0f") and _within(after, _EMOJI):
        return char
    return char if _joins_letters(before) and _joins_letters(after) else ""


def clean(text: str | None) -> str:
    """The text as stored: less surrounding white space, control characters (newlines and tabs stay) and
    invisible characters (the module's rule)."""
    return _REMOVE.sub(_kept, text or "").strip()
