"""Organisation names as a reader matches them: "FreshMart plc", "Freshmart" and "FreshMart
PLC" are one organisation; "the FreshMart Foundation" is tied to it; "BBPA" is the British
Beer and Pub Association.

Plain, explainable rules (case, punctuation, legal suffixes, initials), with rapidfuzz's
edit-distance ratio only for names that differ by a slip of the keyboard.
"""

from __future__ import annotations

import re
from functools import lru_cache

LEGAL_SUFFIXES = frozenset(
    {"plc", "ltd", "limited", "llp", "llc", "inc", "incorporated", "co", "group", "holdings"}
)
"""Words at the end of a name that say what kind of company it is, not which one."""
TIE_WORDS = frozenset({"foundation", "trust", "charitable", "fund"})
"""Words that make "the X Foundation" a body of X's, not X itself."""
_SMALL_WORDS = frozenset({"and", "of", "the", "for", "in", "on", "to", "a", "an", "&"})
NEAR_DUPLICATE_RATIO = 90.0
"""rapidfuzz ratio (0-100) above which two different name keys are one name misspelt."""


@lru_cache(maxsize=8192)
def words(text: str) -> tuple[str, ...]:
    """Lower-case words: apostrophes and dots join ("Barnardo's", "U.K."), a possessive 's
    goes, '&' is 'and'."""
    text = _POSSESSIVE.sub("", text.casefold())
    text = _JOINERS.sub("", text).replace("&", " and ")
    return tuple(_NON_WORD.sub(" ", text).split())


_POSSESSIVE = re.compile(r"['’]s\b")
_JOINERS = re.compile(r"['’.]")
_NON_WORD = re.compile(r"[^\w]+")


@lru_cache(maxsize=4096)
def name_words(name: str) -> tuple[str, ...]:
    """A name's words without a leading 'the' and trailing legal suffixes."""
    found = words(name)
    if found[:1] == ("the",):
        found = found[1:]
    while len(found) > 1 and found[-1] in LEGAL_SUFFIXES:
        found = found[:-1]
    return found


def organisation_key(name: str) -> str:
    """The key two spellings of one organisation share: "FreshMart plc", "Fresh Mart Ltd"
    and "freshmart" all give 'freshmart'."""
    return "".join(name_words(name)) or name.casefold().strip()


def acronym(name: str) -> str | None:
    """The initials a name is often written as (three letters at least): 'bbpa'."""
    significant = [w for w in name_words(name) if w not in _SMALL_WORDS]
    letters = "".join(w[0] for w in significant)
    return letters if len(significant) >= 3 else None


def same_organisation(first: str, second: str) -> bool:
    """Whether two names probably name one organisation: equal keys, one the other's
    initials, or keys that differ only by a slip (rapidfuzz ratio of 90 or more)."""
    a, b = organisation_key(first), organisation_key(second)
    if a == b:
        return True
    if acronym(first) == b or acronym(second) == a:
        return True
    if min(len(a), len(b)) < 6:
        return False  # short names: one letter apart is another organisation
    # A body of X's ("FreshMart Foundation") is tied to X, not X itself.
    if _tie_word(first) != _tie_word(second):
        return False
    if not _may_be_near(a, b):
        return False
    from rapidfuzz import fuzz  # only now: most names are told apart before this

    return fuzz.ratio(a, b) >= NEAR_DUPLICATE_RATIO


def _may_be_near(a: str, b: str) -> bool:
    """Whether rapidfuzz's ratio of ``a`` and ``b`` could reach the threshold. The ratio is
    ``1 - distance / (len(a) + len(b))``, and the insertions and deletions that turn one
    into the other are at least the letters one has and the other lacks: when even that
    many is too many, the answer is known without loading rapidfuzz (a sixth of the start
    of a one-paper build)."""
    from collections import Counter

    allowed = (100 - NEAR_DUPLICATE_RATIO) / 100 * (len(a) + len(b))
    first, second = Counter(a), Counter(b)
    return (first - second).total() + (second - first).total() <= allowed


def _tie_word(name: str) -> bool:
    return any(word in TIE_WORDS for word in name_words(name))


def mentions(text: str, name: str) -> bool:
    """Whether a text names the organisation: its words in a row ("FreshMart's press
    office", "Fresh Mart Ltd"), written as one word, or its initials as a word."""
    if not text:
        return False
    wanted = name_words(name)
    if not wanted:
        return False
    have = words(text)
    key = "".join(wanted)
    initials = acronym(name)
    size = len(wanted)
    for index, word in enumerate(have):
        if word == key or (initials is not None and word == initials):
            return True
        if have[index : index + size] == wanted:
            return True
        # "Fresh Mart" written for "FreshMart"
        if key.startswith(word) and "".join(have[index : index + 4]).startswith(key):
            joined = ""
            for part in have[index : index + 4]:
                joined += part
                if joined == key:
                    return True
    return False


def group_names(names: list[str]) -> list[list[str]]:
    """The names grouped by organisation (:func:`same_organisation`), each group in the
    order the names came, groups in the order of their first name.

    Only pairs that could be one organisation are compared: a name whose key is another's
    initials, and names of near lengths (an edit ratio of 90 allows keys of lengths at
    most 11 to 9 apart). A pack of 200 papers names a thousand organisations, and every
    pair of them would be half a million comparisons."""
    by_key: dict[str, list[str]] = {}
    for name in names:
        by_key.setdefault(organisation_key(name), []).append(name)
    keys = list(by_key)
    parent = list(range(len(keys)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    def join(first: int, second: int) -> None:
        parent[root(second)] = root(first)

    position = {key: index for index, key in enumerate(keys)}
    for index, key in enumerate(keys):
        initials = acronym(by_key[key][0])
        if initials is not None and initials in position:
            join(index, position[initials])
    by_length = sorted(
        (index for index, key in enumerate(keys) if len(key) >= 6), key=lambda i: len(keys[i])
    )
    longest = (100 + (100 - NEAR_DUPLICATE_RATIO)) / (100 - (100 - NEAR_DUPLICATE_RATIO))
    for place, i in enumerate(by_length):
        for j in by_length[place + 1 :]:
            if len(keys[j]) > len(keys[i]) * longest:
                break
            if root(i) != root(j) and same_organisation(by_key[keys[i]][0], by_key[keys[j]][0]):
                join(i, j)
    groups: dict[int, list[str]] = {}
    for index, key in enumerate(keys):
        groups.setdefault(root(index), []).extend(by_key[key])
    return list(groups.values())
