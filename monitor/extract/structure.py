"""The shape of a text before any parse: its paragraphs, the quoted stretches of a paragraph,
and the sentences of a content."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..model import Span

QUOTE_OPEN = '“"«'
QUOTE_CLOSE = '”"»'
_QUOTE_PAIRS = (("“", "”"), ('"', '"'), ("«", "»"))


# The longest stretch parsed as one paragraph, in characters: a longer line (a transcript with
# no line breaks, a scraped page in one line; spaCy refuses more than 1,000,000 characters) is
# read in pieces of at most this, cut after a sentence where one ends in its last fifth. The
# parse's cost grows faster than its length: 1.3 s for 10,000 characters, 21 s for 50,000.
MAX_PARAGRAPH = 10_000
_SENTENCE_END = re.compile(r"[.!?][”\"’)\]]*\s+")


def paragraphs(text: str) -> list[tuple[int, str]]:
    """(offset, text) of every non-empty line, a paragraph each (a feed's article text has a
    paragraph a line), a line longer than ``MAX_PARAGRAPH`` in pieces."""
    out: list[tuple[int, str]] = []
    for m in re.finditer(r"[^\n]+", text):
        start, line = m.start(), m.group(0)
        while len(line) > MAX_PARAGRAPH:
            cut = _cut(line)
            out.append((start, line[:cut]))
            start, line = start + cut, line[cut:]
        out.append((start, line))
    return out


def _cut(line: str) -> int:
    """Where to end the first piece of an over-long line: after the last sentence end in the
    last fifth of the window, else at its last space, else at the window's end."""
    window = line[:MAX_PARAGRAPH]
    ends = [m.end() for m in _SENTENCE_END.finditer(window, MAX_PARAGRAPH * 4 // 5)]
    if ends:
        return ends[-1]
    space = window.rfind(" ", MAX_PARAGRAPH * 4 // 5)
    return space + 1 if space > 0 else MAX_PARAGRAPH


def quotes(text: str) -> list[tuple[int, int]]:
    """Quoted stretches of a paragraph, marks included.

    A quote mark never closed (the paragraph ends, or another quote opens, before its closing
    mark) ends before a reporting clause that follows it ('“We demand their release, Rodríguez
    said'), else at the next quote or at the end of the paragraph."""
    out: list[tuple[int, int]] = []
    for open_, close in _QUOTE_PAIRS:
        pos = 0
        while (start := text.find(open_, pos)) >= 0:
            end = text.find(close, start + 1)
            again = text.find(open_, start + 1) if open_ != close else -1
            if open_ != close and (end < 0 or 0 <= again < end):
                stop = again if again >= 0 else len(text)
                said = _REPORTING.search(text, start, stop)
                stop = said.start() if said else stop
                if stop - start > 20:
                    out.append((start, stop))  # unclosed: up to the reporting clause
                if again < 0:
                    break
                pos = again
                continue
            if end < 0:
                break
            if end - start > 2:
                out.append((start, end + 1))
            pos = end + 1
    return sorted(out)


# ", Rodríguez said", ", the minister told reporters": where a quote left unclosed must end
_REPORTING = re.compile(
    r",\s+(?:[\w’'.-]+\s+){1,4}(?:said|says|told|added|stated|declared|insisted|warned|wrote"
    r"|continued|explained|argued|noted)\b"
)


# ", despite a threat on Sunday from Russia ...": the reporter's own clause at a content's end,
# which says nothing of the claim's type or topics
REPORTER_TAIL = re.compile(
    r",?\s+(?:despite|even though|in spite of)\b"
    # "..., though this could not be confirmed", "which could not be independently verified"
    r"|,?\s+(?:though|although|but|which)\s+(?:this|it|that|these|the claims?)?\s*"
    r"(?:could|can|has|have)\s*(?:not|n['’]t)\s+(?:be|been)\s+(?:independently\s+)?"
    r"(?:confirmed|verified)",
    re.I,
)


def sentences(content: Span) -> list[tuple[int, int]]:
    """The sentences of a content, as article offsets."""
    return [
        (m.start() + content.start, m.end() + content.start)
        for m in re.finditer(r"[^.!?]+[.!?]*[”\"»]?", content.text)
        if m.group(0).strip()
    ] or [(content.start, content.end)]


# --- the layout of a document: transcripts, interviews, round-ups, live blogs ----------------
@dataclass(frozen=True)
class Role:
    """What a paragraph is in its document's layout, and who speaks in it when the layout,
    not a cue, says so.

    ``kind``: "prose" (cues decide), "turn" (a transcript speaker's words, after a label such as
    ``THE PRESIDENT:``), "question" (a transcript's ``Q``, a moderator, an interview question:
    never a claim), "answer" (an interview answer with no label: the interviewee's), "entry" (a
    round-up line under a header naming its speaker, "Secretary Rubio on This Week", or a
    "- On X: “...”" line of an interview's key moments), "lead" (a round-up line whose own
    lead-in names the speaker: "- President Trump underscored ...: “...”"), "aside" (a
    timestamp, caption, byline or dateline: never a claim, never a speaker). ``label``:
    paragraph offsets of the label or header that names the speaker (None for an answer: the
    lead names the interviewee); ``body``: where the speaker's words start in the paragraph."""

    kind: str = "prose"
    label: tuple[int, int] | None = None
    label_text: str = ""
    label_paragraph: int = -1  # the paragraph that holds the label (a turn goes on below it)
    body: int = 0


PROSE = Role()
# "THE PRESIDENT:", "MS. LEAVITT:", "SECRETARY GENERAL RUTTE:", "Q:", "Q", "Interviewer:"
_LABEL = re.compile(
    r"(?P<label>(?:[A-Z][A-Z.’'\-]*\s){0,4}[A-Z][A-Z.’'\-]+|Q|Interviewer|Moderator|Question)"
    r"(?::\s*|\s+(?=\S))"
)
_Q_GLUED = re.compile(r"Q(?=[A-Z][a-z])")  # "QIn your book ...": a question mark lost its space
_HOSTS = frozenset("q question moderator interviewer reporter audience participant".split())
_TIMESTAMP = re.compile(
    r"\d{1,2}[:.]\d{2}(?:\s*(?:[ap]\.?m\.?|AM|PM|GMT|BST|UTC|CET|CEST|EST|EDT|ET|PT|PST|PDT))?"
    r"(?:\s+(?:[A-Z]{2,4}))?\b",
    re.I,
)
_CAPTION = re.compile(
    r"(?:[–—-]\s*(?:video|audio|photos?|gallery|watch)\s*$)|^(?:photograph|photo|image|"
    r"video|watch|listen|pictured|caption)\s*[:|]",
    re.I,
)
_BYLINE = re.compile(
    r"^(?:(?:from|by|reporting by|written by|edited by)\s+[A-Z][\w’'.-]+|[A-Z][\w’'.-]+(?:\s+[A-Z]"
    r"[\w’'.-]+){0,3} contributed (?:to )?(?:this )?report)",
)
# "WASHINGTON (AP) -- ", "KYIV, Ukraine (Reuters) - ": a dateline opens a wire story's first
# paragraph; it is where the story was filed, never the subject of the sentence after it
_DATELINE = re.compile(
    r"[A-Z][A-Z.'’]{2,}(?:\s+[A-Z][A-Z.'’]+)*"
    r"(?:(?:,\s+[A-Z][\w.'’]+(?:\s+[A-Z][\w.'’]+)*)?\s*\([A-Za-z][\w .]*\)"
    r"|,\s+[A-Z][\w.'’]+(?:\s+[A-Z][\w.'’]+)*)\s*(?:--|—|–|-)\s+"
)
_ENTRY = re.compile(r"[-–—•*]\s+(?:On\s[^:]{2,160}:\s*)?[“\"]")
_BULLET = re.compile(r"[-–—•*]\s")
_KEY_MOMENT = re.compile(r"[-–—•*]\s+On\s[^:]{2,160}:\s*[“\"]")
# "- President Trump underscored Iran's bad-faith tactics: “...”": a bullet whose own lead-in
# names the speaker, then a colon and the quote (a round-up's commonest line)
_LEAD = re.compile(r"[-–—•*]\s+(?P<lead>[^“”\"\n:]{8,220}?)\s*:\s*[“\"]")


def layout(paragraphs: list[tuple[int, str]]) -> list[Role]:
    """The role of each paragraph (see ``Role``), from the document's shape alone.

    A label counts only in a document with at least two paragraphs labelled with a speaker
    other than a questioner (a transcript), a "Q" paragraph only in one with two (an
    interview); a header only when bullets follow it."""
    texts = [p for _, p in paragraphs]
    labels = [_label(p) for p in texts]
    # a transcript labels its speakers; "Q" alone makes an interview in prose
    transcript = sum(1 for x in labels if x and x[0].lower().strip(".") not in _HOSTS) >= 2
    questions = sum(1 for p in texts if _question(p)) >= 2
    roles: list[Role] = []
    current = PROSE  # the turn or interview answer that runs on
    for j, para in enumerate(texts):
        role = _aside(para)
        if role is None and transcript and labels[j] is not None:
            name, body = labels[j]  # type: ignore[misc]
            kind = "question" if name.lower().strip(".") in _HOSTS else "turn"
            role = current = Role(kind, (0, len(name)), name, j, body)
        elif role is None and questions and _question(para):
            role = current = Role("question")
        elif role is None and _BULLET.match(para):
            role = _entry(texts, j, roles)
            lead = _LEAD.match(para)
            if role is PROSE and lead:
                span = (lead.start("lead"), lead.end("lead"))
                role = Role("lead", span, lead.group("lead"), j)
        elif role is None and _header(texts, j):
            role = Role("aside")  # a header speaks through the entries below it
        elif role is None and transcript and current.kind in ("turn", "question"):
            role = replace(current, body=0)  # a turn goes on below its label
        elif role is None and current.kind == "question" and questions:
            role = Role("answer")  # the interviewee answers until the next question
        if role is None and (dateline := _DATELINE.match(para)):
            role = replace(PROSE, body=dateline.end())  # the story starts after it
        roles.append(role or PROSE)
    return roles


def _label(para: str) -> tuple[str, int] | None:
    """A transcript label at the start of ``para`` and where the words after it start."""
    m = _LABEL.match(para)
    if m is None:
        return None
    name = m.group("label")
    words = name.replace(".", " ").split()
    if name not in ("Q", "Interviewer", "Moderator", "Question") and (
        ":" not in para[m.end("label") : m.end("label") + 2] or len(words) > 5
    ):
        return None  # capitals without a colon are a headline or an acronym, not a label
    if name == "Q" and not para[1:2].isspace() and para[1:2] != ":":
        return None
    return name, m.end()


def _question(para: str) -> bool:
    """An interview's question paragraph: "Q ...", "Q: ...", "QIn your book ..."."""
    return bool(re.match(r"Q(?:[:.]?\s+\S)", para) or _Q_GLUED.match(para))


def _aside(para: str) -> Role | None:
    """A timestamp, a caption, a byline: text around the news, never a claim."""
    stripped = re.sub(r"^(?:END|BEGIN|UPDATED?|POSTED)\s+", "", para.strip())
    stamp = _TIMESTAMP.match(stripped)
    if stamp and (stamp.end() == len(stripped) or _CAPTION.search(stripped)):
        return Role("aside")
    if _CAPTION.search(stripped) and len(stripped) < 160:
        return Role("aside")
    if _BYLINE.match(stripped) and len(stripped.split()) <= 12:
        return Role("aside")
    return None


def _header(texts: list[str], j: int) -> bool:
    """A short line with no sentence end, followed by a bullet: a round-up header."""
    line = texts[j].strip()
    return (
        0 < len(line.split()) <= 16
        and line[-1:] not in '.!?”"’;,:'
        and j + 1 < len(texts)
        and bool(_BULLET.match(texts[j + 1]))
    )


def _entry(texts: list[str], j: int, roles: list[Role]) -> Role:
    """A bullet: an entry under the header above it when it quotes someone ('- "..."', '- On
    X: "..."'), a key moment of the interviewee with no header ('- On X: "..."'), else prose
    (a live blog's '- JUST IN: ...')."""
    if not _ENTRY.match(texts[j]):
        return PROSE
    k = j - 1
    while k >= 0 and _BULLET.match(texts[k]):
        k -= 1
    if k >= 0 and _header(texts, k):
        line = texts[k].strip()
        return Role("entry", (0, len(line)), line, k)
    if _KEY_MOMENT.match(texts[j]):
        return Role("entry")  # the interviewee's, named in the lead
    return PROSE
