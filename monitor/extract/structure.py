"""The shape of a text before any parse: its paragraphs, the quoted stretches of a paragraph,
and the sentences of a content."""

from __future__ import annotations

import re

from ..model import Span

QUOTE_OPEN = '“"«'
QUOTE_CLOSE = '”"»'
_QUOTE_PAIRS = (("“", "”"), ('"', '"'), ("«", "»"))


def paragraphs(text: str) -> list[tuple[int, str]]:
    """(offset, text) of every non-empty line: a feed's article text has a paragraph a line."""
    return [(m.start(), m.group(0)) for m in re.finditer(r"[^\n]+", text)]


def quotes(text: str) -> list[tuple[int, int]]:
    """Quoted stretches of a paragraph, marks included; an unclosed quote runs to the end."""
    out: list[tuple[int, int]] = []
    for open_, close in _QUOTE_PAIRS:
        pos = 0
        while (start := text.find(open_, pos)) >= 0:
            end = text.find(close, start + 1)
            if end < 0:
                if open_ != close and len(text) - start > 20:
                    out.append((start, len(text)))  # a quote that goes on in the next paragraph
                break
            if end - start > 2:
                out.append((start, end + 1))
            pos = end + 1
    return sorted(out)


def sentences(content: Span) -> list[tuple[int, int]]:
    """The sentences of a content, as article offsets."""
    return [
        (m.start() + content.start, m.end() + content.start)
        for m in re.finditer(r"[^.!?]+[.!?]*[”\"»]?", content.text)
        if m.group(0).strip()
    ] or [(content.start, content.end)]
