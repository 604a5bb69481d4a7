"""Properties that hold for any input: reading, parsing and checking either give a model
or the project's own problems with a location, never another exception, and quickly."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoper.brief.frontmatter import KNOWN_KEYS
from scoper.brief.kinds import SECTION_ALIASES
from scoper.brief.parser import parse_brief
from scoper.brief.source import decode
from scoper.check import CheckContext, check_brief
from scoper.config import Config
from scoper.problems import RULES, BriefInvalid
from scoper.render.html import render_html

SECONDS = 5.0
CHECKS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run_everything(data: bytes | str) -> None:
    """What scoper does with a file, up to the HTML: it must end in a model or problems."""
    start = time.perf_counter()
    try:
        text = decode(data, "b.md") if isinstance(data, bytes) else data
        brief = parse_brief(text, "b.md", default_ref="b", slug="b")
    except BriefInvalid as invalid:
        assert invalid.problems, "an invalid brief names at least one problem"
        for found in invalid.problems:
            assert found.path == "b.md" and found.line >= 0
            assert found.rule in RULES and found.code == RULES[found.rule].code
            assert found.message
    else:
        problems = check_brief(brief, CheckContext(today=dt.date(2026, 11, 28)))
        assert all(p.line >= 0 and p.rule in RULES for p in problems)
        html = render_html(brief, Config())
        assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
        assert "<script" not in html.split("</style>", 1)[1]
    assert time.perf_counter() - start < SECONDS


@CHECKS
@given(st.text(max_size=4000))
def test_any_text(text: str) -> None:
    run_everything(text)


@CHECKS
@given(st.binary(max_size=4000))
def test_any_bytes(data: bytes) -> None:
    run_everything(data)


# Briefs that look like briefs, so that the deeper parts of the parser are reached.
scalars = st.one_of(
    st.text(max_size=40),
    st.integers(-10, 10),
    st.sampled_from(
        [
            "2026-11-23",
            "2026-02-30",
            "draft",
            "final",
            "OFFICIAL",
            "[a, b]",
            "{x: 1}",
            "!!python/object:os.system",
            "&a [1]",
            "*a",
            "'",
            "|",
            "~",
        ]
    ),
)
front = st.dictionaries(
    st.one_of(st.sampled_from(KNOWN_KEYS), st.text(max_size=12)), scalars, max_size=8
)
field_lines = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "Source",
                "Strength",
                "Date",
                "Owner",
                "Due",
                "Lever",
                "Status",
                "Insight",
                "Role",
                "Interests",
                "Commitment",
                "Likelihood",
                "Impact",
                "Mitigation",
                "**Owner:**",
                "Colour",
            ]
        ),
        st.text(max_size=30),
    ),
    max_size=5,
)
item = st.tuples(
    st.one_of(st.text(max_size=60), st.just("**Name** — commercial"), st.just("[a](b) - public")),
    field_lines,
)
section = st.tuples(
    st.one_of(st.sampled_from(sorted(SECTION_ALIASES)), st.text(max_size=20)),
    st.one_of(
        st.lists(item, max_size=4),
        st.just([]),
    ),
    st.text(max_size=200),
)


def render_brief(values: dict, sections: list) -> str:
    lines = ["---"] + [f"{key}: {value}" for key, value in values.items()] + ["---"]
    for title, items, prose in sections:
        lines += [f"## {title}", prose]
        for text, fields in items:
            lines.append(f"- {text}")
            lines += [f"  - {name}: {value}" for name, value in fields]
    return "\n".join(lines) + "\n"


@CHECKS
@given(front, st.lists(section, max_size=8))
def test_brief_like_text(values: dict, sections: list) -> None:
    run_everything(render_brief(values, sections))


@CHECKS
@given(st.lists(section, max_size=8), st.sampled_from(["\n", "\r\n", "\r"]))
def test_valid_front_matter_with_any_body_and_line_endings(sections: list, newline: str) -> None:
    text = render_brief({"title": "T", "date": "2026-11-23"}, sections)
    run_everything(text.replace("\n", newline).encode("utf-8"))


@given(st.text(alphabet="abcdefgh ", min_size=6, max_size=30), st.data())
@settings(max_examples=300, deadline=None)
def test_the_near_name_filter_never_rejects_what_rapidfuzz_accepts(
    first: str, data: st.DataObject
) -> None:
    """scoper.check.names only loads rapidfuzz when a pair could reach its threshold; the
    shortcut must give rapidfuzz's answer: a pair it turns down scores below the line."""
    from rapidfuzz import fuzz

    from scoper.check.names import NEAR_DUPLICATE_RATIO, _may_be_near

    # Near spellings as well as unrelated ones: a few letters of ``first`` changed.
    second = data.draw(
        st.one_of(
            st.text(alphabet="abcdefgh ", min_size=6, max_size=30),
            st.builds(
                lambda cut, extra: first[:cut] + extra + first[cut + 1 :],
                st.integers(0, len(first)),
                st.text(alphabet="abcdefgh", max_size=2),
            ),
        )
    )
    if not _may_be_near(first, second):
        assert fuzz.ratio(first, second) < NEAR_DUPLICATE_RATIO


@given(st.from_regex(r"[a-z0-9]+(-[a-z0-9]+)*", fullmatch=True))
@settings(max_examples=200, deadline=None)
def test_a_plain_file_name_is_its_own_slug_as_slugify_would_make_it(stem: str) -> None:
    """scoper.brief.source skips slugify for names already in its form; slugify must agree."""
    from slugify import slugify

    from scoper.brief.source import brief_slug
    from scoper.output import portable_stem

    assert brief_slug(Path(f"{stem}.md")) == portable_stem(slugify(stem, max_length=100) or "brief")


@given(st.from_regex(r"[A-Za-z0-9]+( [A-Za-z0-9]+)*", fullmatch=True))
@settings(max_examples=200, deadline=None)
def test_a_plain_section_title_is_slugged_as_slugify_would(title: str) -> None:
    """scoper.brief.parser slugs a title of plain words itself; slugify must agree."""
    from slugify import slugify

    from scoper.brief.parser import section_slug

    assert section_slug(title) == slugify(title)
    assert section_slug("Don't panic — 2026") == slugify("Don't panic — 2026")


@given(
    st.lists(
        st.sampled_from(
            [
                "FreshMart plc",
                "Fresh Mart Ltd",
                "freshmart",
                "FreshMart Foundation",
                "British Beer and Pub Association",
                "BBPA",
                "Age UK",
                "Age NI",
                "Alcohol Health Aliance UK",
                "Alcohol Health Alliance UK",
                "Sainsburys",
                "Sainsbury's",
                "Local Government Association",
                "LGA",
                "Local Government Asociation",
            ]
        ),
        max_size=12,
    )
)
@settings(max_examples=200, deadline=None)
def test_grouping_names_gives_what_comparing_every_pair_gives(names: list[str]) -> None:
    """scoper.check.names.group_names compares only pairs that could match; the groups must
    be the connected groups of same_organisation over every pair."""
    from scoper.check.names import group_names, organisation_key, same_organisation

    keys = list(dict.fromkeys(organisation_key(n) for n in names))
    first = {organisation_key(n): n for n in reversed(names)}
    component = {key: key for key in keys}

    def find(key: str) -> str:
        while component[key] != key:
            key = component[key]
        return key

    for a in keys:
        for b in keys:
            if a != b and same_organisation(first[a], first[b]):
                component[find(b)] = find(a)
    expected = sorted(
        sorted(n for n in names if find(organisation_key(n)) == k) for k in {find(k) for k in keys}
    )
    assert sorted(sorted(group) for group in group_names(names)) == expected
