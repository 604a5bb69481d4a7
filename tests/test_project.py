"""Making it the unit's own: init, new, config keys, theme overrides, export, schema,
completion."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from bs4 import BeautifulSoup
from click.testing import CliRunner

from scoper.brief.parser import parse_brief
from scoper.cli import cli
from scoper.config import KEYS, ConfigError, parse_config
from scoper.export import front_matter_schema
from scoper.project import CONFIG_TEMPLATE, new_brief, next_ref
from tests.conftest import EXAMPLES, valid_brief

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f4a5a80000000049454e44ae426082"
)


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    return lambda *args: CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_init_makes_a_working_project(run, tmp_path: Path) -> None:
    result = run("init", "unit")
    assert result.exit_code == 0, result.output
    project = tmp_path / "unit"
    made = {str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()}
    assert made == {"scoper.toml", "templates/README.md", "briefs/example.md", "output/.gitkeep"}
    text = (project / "scoper.toml").read_text()
    for key in (*KEYS, "summary-word-limit", "stale-evidence-years", "check.rules"):
        assert key in text, key
    config = parse_config(text.encode(), project / "scoper.toml")
    assert config.output_dir == project / "output"
    assert 'extends "default/paper-body.html.j2"' in (project / "templates/README.md").read_text()
    os.chdir(project)
    result = run("check", "briefs", "--strict")
    assert result.exit_code == 0, result.output
    assert run("build", "briefs", "--format", "html").exit_code == 0
    assert (project / "output" / "example.html").exists()


def test_init_refuses_to_overwrite(run, tmp_path: Path) -> None:
    (tmp_path / "unit").mkdir()
    (tmp_path / "unit" / "scoper.toml").write_text("organisation = 'Mine'\n")
    result = run("init", "unit")
    assert result.exit_code == 1
    assert "unit/scoper.toml already exists; nothing was changed" in result.output
    assert (tmp_path / "unit" / "scoper.toml").read_text() == "organisation = 'Mine'\n"
    assert not (tmp_path / "unit" / "briefs").exists()


def test_new_brief_is_complete_valid_and_numbered(run, tmp_path: Path) -> None:
    (tmp_path / "scoper.toml").write_text('ref-prefix = "CO"\n')
    (tmp_path / "briefs").mkdir()
    year = dt.date.today().year
    (tmp_path / "briefs" / "a.md").write_text(f"---\nref: CO-{year}-007\n---\n")
    (tmp_path / "briefs" / "b.md").write_text(f"---\nref: PU-{year}-020\n---\n")
    (tmp_path / "briefs" / "c.md").write_text(f"---\nref: CO-{year - 1}-030\n---\n")
    result = run("new", "Tackling loneliness: what works?")
    assert result.exit_code == 0, result.output
    path = tmp_path / "briefs" / "tackling-loneliness-what-works.md"
    assert "made briefs/tackling-loneliness-what-works.md" in result.output
    brief = parse_brief(path.read_text(), str(path), default_ref="x", slug="x")
    assert brief.meta.title == "Tackling loneliness: what works?"
    assert brief.meta.ref == f"CO-{year}-008"
    assert brief.meta.date == dt.date.today()
    kinds = [s.kind for s in brief.sections]
    assert kinds == ["summary", "background", "evidence", "partners", "options", "actions", "risks"]
    assert set(brief.evidence[0].fields) == {"source", "strength", "date"}
    assert set(brief.partners[0].fields) == {
        "insight",
        "role",
        "interests",
        "commitment",
        "contact",
    }
    assert set(brief.actions[0].fields) == {"owner", "due", "lever", "status"}
    assert set(brief.risks[0].fields) == {"likelihood", "impact", "mitigation"}
    before = path.read_bytes()
    again = run("new", "Tackling loneliness: what works?")
    assert again.exit_code == 1 and "already exists; nothing was changed" in again.output
    assert path.read_bytes() == before


def test_next_ref_counts_from_one(tmp_path: Path) -> None:
    assert next_ref(tmp_path, "PU", 2026) == "PU-2026-001"
    path = new_brief("x", tmp_path, "PU", "OFFICIAL", dt.date(2026, 11, 28))
    assert "ref: PU-2026-001" in path.read_text()
    assert next_ref(tmp_path, "PU", 2026) == "PU-2026-002"


@pytest.mark.parametrize(
    "text,line,message",
    [
        ('logo = "missing.png"\n', 1, "'logo' names"),
        ('organisation = "U"\nlogo = "notes.txt"\n', 2, "'logo' must be an image"),
        ('accent-colour = "red"\n', 1, "'accent-colour' must be a colour written #rrggbb"),
        ('accent-colour = "#12345"\n', 1, "#rrggbb"),
        ('ref-prefix = "pu"\n', 1, "'ref-prefix' must be capital letters"),
        ("pack-title = 3\n", 1, "'pack-title' must be a string"),
        ('[check]\nsummary-word-limit = "200"\n', 2, "whole number"),
        ('acent-colour = "#123456"\n', 1, "did you mean 'accent-colour'"),
    ],
)
def test_config_errors(tmp_path: Path, text: str, line: int, message: str) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ConfigError) as caught:
        parse_config(text.encode(), tmp_path / "scoper.toml")
    assert caught.value.line == line
    assert message in caught.value.message


def test_every_config_key_is_in_the_template_and_the_readme() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for key in KEYS:
        written = f"[{key}]" if key in ("check", "owners") else f"{key} ="
        assert written in CONFIG_TEMPLATE, key
        assert written in readme, key


def test_logo_and_accent_colour(run, tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_bytes(PNG)
    (tmp_path / "scoper.toml").write_text(
        'organisation = "Cabinet Office"\nlogo = "logo.png"\naccent-colour = "#8A1538"\n'
    )
    (tmp_path / "briefs").mkdir()
    (tmp_path / "briefs" / "b.md").write_text(valid_brief())
    assert run("build", "briefs", "--format", "html").exit_code == 0
    html = (tmp_path / "output" / "b.html").read_text()
    soup = BeautifulSoup(html, "html.parser")
    logo = soup.select_one(".title-block img.logo")
    assert logo["src"].startswith("data:image/png;base64,") and logo["alt"] == "Cabinet Office logo"
    assert ":root { --accent: #8a1538; }" in soup.style.string


def test_a_project_template_overrides_one_block(run, tmp_path: Path) -> None:
    (tmp_path / "scoper.toml").write_text('organisation = "Unit"\n')
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "paper-body.html.j2").write_text(
        '{% extends "default/paper-body.html.j2" %}\n'
        '{% block footer %}<footer class="paper-footer"><p>Custom footer for {{ meta.ref }}'
        "</p></footer>{% endblock %}\n"
    )
    (tmp_path / "templates" / "paper.html.j2").write_text(
        '{% extends "default/paper.html.j2" %}\n'
        "{% block colours %}:root { --accent: #00ff00; }{% endblock %}\n"
    )
    (tmp_path / "briefs").mkdir()
    (tmp_path / "briefs" / "b.md").write_text(
        valid_brief().replace("One in fourteen", "{{ 7 * 7 }} {% block footer %}x{% endblock %}")
    )
    assert run("build", "briefs").exit_code == 0
    soup = BeautifulSoup((tmp_path / "output" / "b.html").read_text(), "html.parser")
    assert soup.select_one(".paper-footer").get_text() == "Custom footer for PU-2026-900"
    assert ":root { --accent: #00ff00; }" in soup.style.string
    # Everything else is the default theme's, and brief text is still only text.
    assert soup.select_one("table.actions") and soup.select_one(".marking-top")
    assert "{{ 7 * 7 }} {% block footer %}x{% endblock %}" in soup.get_text()
    from pypdf import PdfReader

    text = PdfReader(tmp_path / "output" / "b.pdf").pages[0].extract_text()
    assert "PU-2026-900" in text


def test_export_json(run, tmp_path: Path) -> None:
    (tmp_path / "briefs").mkdir()
    (tmp_path / "briefs" / "good.md").write_text(
        valid_brief().replace(
            "  - Mitigation: Phase the roll-out.", "  - Mitigation: Phase it.\n  - Budget: £2m"
        )
    )
    (tmp_path / "briefs" / "bad.md").write_text("not a brief\n")
    result = run("export", "briefs")
    assert result.exit_code == 1
    assert "briefs/bad.md:1: error S102 not-a-brief" in result.output
    data = json.loads(result.output[: result.output.rindex("}") + 1])
    assert data["schema"] == "scoper-brief/1"
    [brief] = data["briefs"]
    assert brief["ref"] == "PU-2026-900" and brief["date"] == "2026-11-23"
    assert brief["evidence"][0] == {
        "line": 20,
        "text": "Chronic loneliness rose from 6% to 7% of adults between 2020 and 2025.",
        "strength": "strong",
        "published": "2025-06",
        "source": "ONS, Community Life Survey",
        "other_fields": {},
    }
    assert brief["partners"][0]["name"] == "Age UK"
    assert brief["partners"][0]["interests"] == "Gains funding for its services."
    assert brief["actions"][0] == {
        "line": 41,
        "text": "Fund 200 link workers in five areas.",
        "owner": "DHSC",
        "due": "2027-01-15",
        "lever": "spending",
        "status": "in-progress",
        "other_fields": {},
    }
    assert brief["risks"][0]["other_fields"] == {"Budget": "£2m"}
    assert [p["rule"] for p in brief["problems"]] == ["unknown-field"]
    docs = (Path(__file__).parent.parent / "docs" / "export.md").read_text()
    for key in brief:
        assert f"`{key}`" in docs, key


def _front_matter(path: Path) -> dict:
    text = path.read_text()
    return yaml.safe_load(text.split("---\n")[1])


def test_schema_accepts_the_examples_and_rejects_mistakes(run) -> None:
    result = run("schema")
    schema = json.loads(result.output)
    assert schema == front_matter_schema()
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    for path in sorted(EXAMPLES.glob("*.md")):
        values = {
            k: (v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in _front_matter(path).items()
        }
        assert not list(validator.iter_errors(values)), path
    good = {"title": "T", "date": "2026-11-23"}
    assert validator.is_valid(good) and validator.is_valid({"topic": "T", "date": "2026-11-23"})
    for bad in (
        {**good, "priority": 9},
        {**good, "priorty": 2},
        {"date": "2026-11-23"},
        {**good, "status": "drafty"},
        {**good, "ignore": ["nope"]},
    ):
        assert not validator.is_valid(bad), bad


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion(shell: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scoper"],
        env={**os.environ, "_SCOPER_COMPLETE": f"{shell}_source"},
        capture_output=True,
        text=True,
    )
    assert "_SCOPER_COMPLETE" in done.stdout and "scoper" in done.stdout
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert f"_SCOPER_COMPLETE={shell}_source scoper" in readme


def test_init_and_new_change_nothing_when_a_folder_is_a_file(run, tmp_path: Path) -> None:
    (tmp_path / "unit").mkdir()
    (tmp_path / "unit" / "briefs").write_text("a file where the folder should be")
    result = run("init", "unit")
    assert result.exit_code == 1 and "is a file, not a folder; nothing was changed" in result.output
    assert sorted(p.name for p in (tmp_path / "unit").iterdir()) == ["briefs"]
    (tmp_path / "notes").write_text("x")
    assert run("init", "notes").exit_code == 1
    assert run("new", "A title", "--dir", "notes").exit_code == 2  # not a folder: usage
    result = run("new", "Bad\x1btitle")
    assert result.exit_code == 1 and "control character" in result.output


def test_export_of_nothing_is_an_error(run, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run("export", "empty")
    assert result.exit_code == 1 and "no briefs" in result.output
