"""How stored claims are shown: the sentence with its parts marked, word differences between
two claims, ages ("3 h ago"), and CSV rows that a spreadsheet will not run as formulas."""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterable, Iterator
from datetime import datetime

from ..store.reader import ClaimView, Span

PARTS = ("content", "speaker", "cue")  # later ones win where two overlap


def _locate(
    sentence: str, text: str, taken: list[tuple[int, int]], before: int | None
) -> Span | None:
    """Where ``text`` is in ``sentence`` outside the spans ``taken``: the last occurrence
    before ``before`` when given (a speaker comes before its cue), else the first."""
    if not text:
        return None
    found = [m.start() for m in re.finditer(re.escape(text), sentence)]
    free = [
        at for at in found if not any(lo < at + len(text) and at < hi for lo, hi in taken)
    ] or found
    if not free:
        return None
    if before is not None:
        earlier = [at for at in free if at < before]
        at = earlier[-1] if earlier else free[0]
    else:
        at = free[0]
    return Span(at, at + len(text))


def spans(claim: ClaimView) -> dict[str, Span]:
    """Where speaker, cue and content are in the sentence: the offsets recorded with the claim,
    else (a claim stored before offsets were kept) where their texts are found."""
    sentence = claim.sentence
    out: dict[str, Span] = {}
    for name, span, text in (
        ("content", claim.content_span, claim.content),
        ("cue", claim.cue_span, claim.cue),
        ("speaker", claim.speaker_span, claim.speaker),
    ):
        if span is not None and 0 <= span.start <= span.end <= len(sentence):
            out[name] = span
            continue
        taken = [(s.start, s.end) for s in out.values()]
        before = out["cue"].start if name == "speaker" and "cue" in out else None
        found = _locate(sentence, text, taken, before)
        if found is not None:
            out[name] = found
    return out


def marked(claim: ClaimView) -> list[tuple[str, str]]:
    """The sentence as consecutive (part, text) pieces; part is "speaker", "cue", "content",
    or "" for the words around them. The pieces join back into the sentence."""
    sentence = claim.sentence
    label = [""] * len(sentence)
    found = spans(claim)
    for name in PARTS:
        if name in found:
            span = found[name]
            label[span.start : span.end] = [name] * (span.end - span.start)
    pieces: list[tuple[str, str]] = []
    for i, ch in enumerate(sentence):
        if pieces and pieces[-1][0] == label[i]:
            pieces[-1] = (label[i], pieces[-1][1] + ch)
        else:
            pieces.append((label[i], ch))
    return pieces


def word_diff(old: str, new: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Two texts as pieces marked "same", "del" (only in ``old``) or "ins" (only in ``new``),
    word by word, so a side-by-side view can show what changed."""
    a, b = re.findall(r"\s*\S+\s*", old), re.findall(r"\s*\S+\s*", new)

    def key(word: str) -> str:  # a word, whatever its case, spacing and punctuation
        return word.strip().strip(".,;:!?\"'“”‘’()").lower()

    matcher = difflib.SequenceMatcher(None, [key(w) for w in a], [key(w) for w in b])
    left: list[tuple[str, str]] = []
    right: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            left.append(("same", "".join(a[i1:i2])))
            right.append(("same", "".join(b[j1:j2])))
            continue
        if i2 > i1:
            _changed(left, "del", "".join(a[i1:i2]))
        if j2 > j1:
            _changed(right, "ins", "".join(b[j1:j2]))
    return left, right


def _changed(pieces: list[tuple[str, str]], op: str, text: str) -> None:
    """A changed run, its surrounding spaces left unmarked."""
    body = text.strip()
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    if lead:
        pieces.append(("same", lead))
    pieces.append((op, body))
    if trail:
        pieces.append(("same", trail))


def ago(when: datetime | None, now: datetime) -> str:
    """``when`` as an age: "just now", "12 min ago", "3 h ago", "4 days ago"; "never"."""
    if when is None:
        return "never"
    seconds = (now - when).total_seconds()
    if seconds < 0:
        return "in the future"
    if seconds < 60:
        return "just now"
    for unit, size, limit in (("min", 60, 3600), ("h", 3600, 2 * 86400)):
        if seconds < limit:
            return f"{int(seconds // size)} {unit} ago"
    days = int(seconds // 86400)
    return f"{days} days ago"


# --- CSV ----------------------------------------------------------------------------------------
CSV_COLUMNS = (
    "id",
    "said_at",
    "actor",
    "actor_name",
    "type",
    "topics",
    "speaker",
    "cue",
    "content",
    "sentence",
    "resolution",
    "confidence",
    "feed",
    "title",
    "link",
    "published",
)
# a cell a spreadsheet would read as a formula (OWASP's "CSV injection"): quoted with a '
_FORMULA = re.compile(r"^[=+\-@\t\r]")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    text = str(value)
    return "'" + text if _FORMULA.match(text) else text


def csv_rows(claims: Iterable[ClaimView]) -> Iterator[str]:
    """The claims as CSV text (RFC 4180, a header first), a chunk of rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for n, claim in enumerate(claims, 1):
        writer.writerow([_cell(getattr(claim, name)) for name in CSV_COLUMNS])
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
