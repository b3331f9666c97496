"""The watchlist as patterns for one publication day: every name, alias and dated role of its
actors, the titles a person holds that day, and the countries that demonyms name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from ..config import Actor, Watchlist, iter_aliases

_WORD = re.compile(r"\w+")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'"})
# Demonyms of country names, so "Ukrainian forces" finds the actor that "Ukraine" names. Written
# by hand for the countries of the example watchlists; the key is the demonym in lower case.
DEMONYMS = {
    "ukrainian": "ukraine",
    "russian": "russia",
    "american": "us",
    "french": "france",
    "british": "uk",
    "german": "germany",
    "polish": "poland",
    "turkish": "turkey",
    "chinese": "china",
    "european": "eu",
    "israeli": "israel",
    "iranian": "iran",
    "belarusian": "belarus",
}
_ACRONYM = re.compile(r"[A-Z]\.?[A-Z.]{1,4}")


def _alias_pattern(alias: str) -> str:
    """An alias as a regex: any apostrophe, "US" as "U.S.", any run of spaces; an acronym
    matches in capitals only, so "us" in running text is no one."""
    if _ACRONYM.fullmatch(alias):
        letters = alias.replace(".", "")
        return "(?-i:" + r"\.?".join(re.escape(c) for c in letters) + r"(?:\.(?=\w))?)"
    out = re.escape(_norm(alias)).replace("'", "['’]")
    out = out.replace(r"\ ", r"\s+")
    return re.sub(r"\b(?:us|u\\\.s\\\.)(?=\\s)", r"u\.?s\.?", out, flags=re.I)


class ActorIndex:
    """Every name, alias and dated role of the watchlist as one regex, for one publication day."""

    def __init__(self, watchlist: Watchlist, published: date | None) -> None:
        self.watchlist = watchlist
        self.names: dict[str, str] = {}
        spelled: dict[str, str] = {}  # one spelling per key; "Nato" wins over "NATO"
        for ident, actor in watchlist.actors.items():
            for alias in iter_aliases(actor, published):
                key = _norm(alias)
                self.names.setdefault(key, ident)
                if key not in spelled or _ACRONYM.fullmatch(spelled[key]):
                    spelled[key] = alias
        alternatives = sorted(self.names, key=len, reverse=True)
        body = "|".join(_alias_pattern(spelled[a]) for a in alternatives) or r"(?!x)x"
        self.pattern = re.compile(rf"(?<![\w.])(?:{body})(?!\w)", re.I)
        # titles ("president", "foreign minister") -> the actors that hold them on that day
        self.titles: dict[str, set[str]] = {}
        for name, ident in self.names.items():
            if self.actor(ident).kind == "person":
                words = name.split()
                for n in range(1, min(3, len(words) - 1) + 1):
                    self.titles.setdefault(" ".join(words[-n:]), set()).add(ident)
        # offices: the titles of the roles held that day, with the qualifier dropped ("US
        # president" -> "president", "President of Sri Lanka" -> "president"), for a
        # transcript's "THE PRESIDENT:"; 2 where the role's title is the bare office itself
        self.offices: dict[str, dict[str, int]] = {}
        for ident, actor in watchlist.actors.items():
            for role in actor.roles:
                if actor.kind == "person" and role.holds_on(published):
                    title = _norm(role.title).removeprefix("the ")
                    office, exact = _office(title)
                    held = self.offices.setdefault(office, {})
                    held[ident] = max(held.get(ident, 0), 2 if exact else 1)
        # a country's name -> the institution actor it names, for demonyms
        self.countries = {
            name: ident
            for name, ident in self.names.items()
            if self.actor(ident).kind == "institution" and " " not in name
        }

    def country(self, word: str) -> str | None:
        """The institution actor a demonym names ("Ukrainian" -> the Ukrainian government)."""
        return self.countries.get(DEMONYMS.get(word.lower(), ""))

    def holder(self, office: str) -> str | None:
        """The one person holding ``office`` ("president") on the day by a dated role, the one
        whose role is the bare office first ("the president" over "President of Sri Lanka");
        None when no one, or several alike, hold it."""
        held = self.offices.get(office.lower(), {})
        best = max(held.values(), default=0)
        top = [ident for ident, rank in held.items() if rank == best]
        return top[0] if len(top) == 1 else None

    def find(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, actor id) of every alias in ``text``."""
        for m in self.pattern.finditer(text):
            yield m.start(), m.end(), self.names[_norm(m.group(0))]

    def actor(self, ident: str) -> Actor:
        return self.watchlist.actors[ident]


def _office(title: str) -> tuple[str, bool]:
    """The office a role's title names, and whether the title is the office alone: "us
    president" -> ("president", False), "president of sri lanka" -> ("president", False),
    "president" -> ("president", True). A qualifier is a first word that is a demonym or a
    country's name ("us", "u.s.", "ukrainian", "british") or an "of ..." that ends the title."""
    head, _, _ = title.partition(" of ")
    words = head.split()
    if len(words) > 1 and (words[0] in DEMONYMS or words[0] in _QUALIFIERS):
        return " ".join(words[1:]), False
    return head, head == title


# First words of a role's title that say whose office it is, not what office.
_QUALIFIERS = frozenset("us u.s. uk american british white house state federal national".split())


def _norm(text: str) -> str:
    """The lookup key of an alias or a match: lower case, plain apostrophes, "U.S." as "us"."""
    text = re.sub(r"\b([A-Za-z])\.([A-Za-z])\.?", r"\1\2", text.translate(_APOSTROPHES))
    return re.sub(r"\s+", " ", text.lower()).rstrip(".")


def names_side(index: ActorIndex, text: str, actor: str) -> bool:
    """Whether ``text`` names ``actor``'s side: the actor, the institution it belongs to or
    one of that institution's people, by name, alias or demonym ("Ukrainian forces")."""
    actors = index.watchlist.actors
    side = actors[actor].part_of or actor
    named = {ident for _, _, ident in index.find(text)}
    named |= {ident for word in _WORD.findall(text) if (ident := index.country(word))}
    return any(ident == side or actors[ident].part_of == side for ident in named)
