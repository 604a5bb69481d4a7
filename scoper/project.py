"""Starting things: a new project folder (``scoper init``) and a new brief (``scoper new``)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from scoper.errors import ScoperError
from scoper.output import write_atomic

CONFIG_TEMPLATE = """\
# scoper.toml: settings for this folder's briefs. Every key is optional; the values here
# are the defaults. Paths are relative to this file's folder.

# The unit's name, on every paper's title block and footer and on the pack's cover.
organisation = ""

# An image (PNG, JPEG, GIF, WebP or SVG) shown on the title block and the pack's cover.
# logo = "logo.png"

# A colour for headings, rules and table heads, written #rrggbb.
# accent-colour = "#12436d"

# The marking of a brief that gives no classification: OFFICIAL, OFFICIAL-SENSITIVE,
# SECRET or TOP SECRET.
default-classification = "OFFICIAL"

# Where papers and packs are written.
output-dir = "output"

# The start of the refs that `scoper new` gives: PREFIX-YEAR-NNN.
ref-prefix = "PU"

# The title on the pack's cover.
pack-title = "Weekly priorities pack"

# The kind of PDF: "pdf/ua-1" (tagged for accessibility) or "pdf/a-3u" (for the record:
# tagged too, with each brief's Markdown source attached inside its PDF).
pdf-variant = "pdf/ua-1"

# Larger brief files are refused unread, in megabytes.
max-brief-mb = 2

# The marking a public version (scoper build --public) carries instead of the
# classification: "" for none, or plain words such as "PUBLISHED".
public-marking = ""

# Seconds one PDF may take before it is stopped (a paper takes about one).
pdf-timeout = 30

# Number the paragraphs of each paper 1, 2, 3... (anchors #para-N); a brief's
# numbered-paragraphs front-matter key overrides this for that paper.
numbered-paragraphs = true

[check]
# summary-too-long fires above this many words.
summary-word-limit = 200
# stale-evidence fires for evidence more than this many years older than the brief.
stale-evidence-years = 5

[check.rules]
# Re-grade or switch off a rule: "error", "warning" or "off". See docs/check-rules.md.
# narrow-partnership = "warning"

[owners]
# Owners of actions that briefs write differently but are one owner, for the pack's
# tracker by owner: the name to show = [the other ways it is written]. Without an entry,
# owners are grouped only when written alike.
# "No10 Policy Unit" = ["Policy Unit, No10", "PU No10"]
"""

TEMPLATES_README = """\
# Theme overrides

A file here replaces the default theme's file of the same name. You rarely need to copy a
whole file: a template here can extend the default one, named `default/...`, and replace
only the blocks you want.

Blocks you can replace:

| template | block | what it is |
|---|---|---|
| `paper.html.j2` | `colours` | CSS after the theme's, e.g. `:root { --accent: #8a1538; }` |
| `paper-body.html.j2` | `header` | the marking banner and running header at the top of a paper |
| `paper-body.html.j2` | `title_block` | the title, metadata table and tags |
| `paper-body.html.j2` | `footer` | the footer and bottom marking |
| `pack.html.j2` | `cover` | the pack's cover |
| `pack.html.j2` | `colours` | as for papers, for the pack |

For example, a `paper-body.html.j2` here holding

    {% extends "default/paper-body.html.j2" %}
    {% block footer %}
    <footer class="paper-footer"><p>{{ meta.ref }} · Not for onward circulation</p></footer>
    <div class="marking marking-bottom">
      <span class="marking-text">{{ meta.classification }}</span></div>
    {% endblock %}

changes only the footer. A `paper.css` here replaces the whole stylesheet; to change only
colours, use the `colours` block instead. Values are escaped, as in the default theme;
brief text is never a template.
"""

EXAMPLE_BRIEF = """\
---
title: Getting more people into work after long-term sickness
date: {date}
ref: {ref}
priority: 3
status: draft
classification: OFFICIAL
authors: [Sam Taylor]
lead: Work and Welfare team
commissioned-by: Prime Minister
tags: [employment, health]
---

## Summary
Around 2.8 million people are out of work because of long-term sickness. This paper asks
whether employers and health services could help more of them back into work. We recommend
a funded pilot of combined health and employment support in three areas.

## Evidence
- Economic inactivity because of long-term sickness has risen by about 700,000 since 2019.
  - Source: [ONS, Labour market overview](https://www.ons.gov.uk/)
  - Strength: strong
  - Date: {year}

## External partners
- **Confederation of British Industry** — commercial
  - Insight: What employers need to take on and keep people with health conditions.
  - Role: Recruit employers to a pilot.
  - Interests: Wants a larger labour supply; wary of new duties on employers.
  - Commitment: in-principle
- **Mind** — third-sector
  - Insight: Support for people with mental health conditions at work.
  - Role: Co-design the support offer, under a memorandum agreed with DWP in 2026.
  - Interests: Wants better mental health services; would not back compulsion.
  - Commitment: committed

## Action points
- Fund a pilot of combined health and employment support in three areas.
  - Owner: DWP
  - Due: {due}
  - Lever: spending
"""

NEW_BRIEF = """\
---
title: {title}
date: {date}
ref: {ref}
priority: 3
status: draft
classification: {classification}
authors: [Your Name]
lead: The owning team
commissioned-by: Prime Minister
tags: []
---

## Summary
In under 200 words: the issue, why it matters now, and what you recommend.

## Background
How we got here: the history, what has been tried, and what has changed.

## Evidence
- One finding per item, with a figure where there is one.
  - Source: [Who published it](https://www.example.org/)
  - Strength: moderate
  - Date: {year}

## External partners
- **Name of the organisation** — third-sector
  - Insight: What they know that we do not.
  - Role: The part they could play in the change.
  - Interests: What they stand to gain or lose ("None declared" if so).
  - Commitment: exploratory
  - Contact: Who to speak to.

## Options
The choices, with their costs and trade-offs.

## Action points
- What will be done, by whom and by when.
  - Owner: The team that will do it
  - Due: {due}
  - Lever: spending
  - Status: not-started

## Risks
- What could go wrong.
  - Likelihood: medium
  - Impact: medium
  - Mitigation: What we would do about it.
"""


class ProjectError(ScoperError):
    """Nothing was changed, for the reason given."""


def init_project(folder: Path, today: dt.date) -> list[Path]:
    """Make a project folder; refuses if any file it would write exists already."""
    files = {
        folder / "scoper.toml": CONFIG_TEMPLATE,
        folder / "templates" / "README.md": TEMPLATES_README,
        folder / "briefs" / "example.md": EXAMPLE_BRIEF.format(
            date=today.isoformat(),
            ref=f"PU-{today.year}-001",
            year=today.year,
            due=(today + dt.timedelta(days=28)).isoformat(),
        ),
        folder / "output" / ".gitkeep": "",
    }
    existing = [path for path in files if path.exists()]
    if existing:
        raise ProjectError(f"{existing[0]} already exists; nothing was changed")
    # Every folder on the way must be a folder (or not exist yet) before anything is written.
    for path in files:
        for parent in path.parents:
            if parent.exists() and not parent.is_dir():
                raise ProjectError(f"{parent} is a file, not a folder; nothing was changed")
    try:
        for path, text in files.items():
            write_atomic(path, text.encode("utf-8"))
    except OSError as error:
        raise ProjectError(f"cannot write {error.filename}: {error.strerror}") from None
    return list(files)


def next_ref(folder: Path, prefix: str, year: int) -> str:
    """The next free PREFIX-YEAR-NNN among the briefs in the folder, each brief's ref read
    by the front matter's own parser (a brief it cannot read takes no ref)."""
    from scoper.bounded import read_at_most
    from scoper.brief.frontmatter import load_front_matter, split_front_matter
    from scoper.brief.source import LARGEST_BRIEF_BYTES, decode
    from scoper.problems import BriefInvalid, Problem

    # ASCII digits, few enough for int() (a ref of 5,000 digits would be a traceback).
    pattern = re.compile(rf"{re.escape(prefix)}-{year}-([0-9]{{1,9}})")
    used = [0]
    for path in folder.glob("*.md"):
        try:
            # Only a regular file, within a brief's largest size (a FIFO or a link to
            # /dev/zero named *.md takes no ref, and never hangs or fills memory).
            data = read_at_most(path, LARGEST_BRIEF_BYTES)
            split = split_front_matter(decode(data, str(path)), str(path))
        except (OSError, ValueError, BriefInvalid):
            continue
        if isinstance(split, Problem):
            continue
        values, _ = load_front_matter(split, str(path))
        ref = values.get("ref", (None, 0))[0]
        if isinstance(ref, str) and (found := pattern.fullmatch(ref.strip())):
            used.append(int(found[1]))
    return f"{prefix}-{year}-{max(used) + 1:03d}"


def new_brief(title: str, folder: Path, prefix: str, classification: str, today: dt.date) -> Path:
    """Write a brief with every section and field, named from its title."""
    from slugify import slugify

    from scoper.output import portable_stem

    title = " ".join(title.split())
    if not title:
        raise ProjectError("give the brief a title")
    path = folder / f"{portable_stem(slugify(title, max_length=80) or 'brief')}.md"
    if path.exists():
        raise ProjectError(f"{path} already exists; nothing was changed")
    if folder.exists() and not folder.is_dir():
        raise ProjectError(f"{folder} is a file, not a folder; nothing was changed")
    if any(ord(c) < 32 or ord(c) == 127 for c in title):
        raise ProjectError("the title holds a control character")
    # YAML would read a title with ': ' or a leading quote as something else: quote it.
    quoted = json.dumps(title, ensure_ascii=False)  # a JSON string is a YAML string
    text = NEW_BRIEF.format(
        title=quoted,
        date=today.isoformat(),
        ref=next_ref(folder, prefix, today.year),
        classification=classification,
        year=today.year,
        due=(today + dt.timedelta(days=14)).isoformat(),
    )
    write_atomic(path, text.encode("utf-8"))
    return path
