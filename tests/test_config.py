"""scoper.toml: found upwards from the current folder, validated with line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoper.config import Config, ConfigError, find_config, load_config, parse_config


def test_defaults_without_a_file(tmp_path: Path) -> None:
    assert load_config(tmp_path) == Config()


def test_found_in_the_nearest_parent(tmp_path: Path) -> None:
    (tmp_path / "scoper.toml").write_text(
        'organisation = "No10 Policy Unit"\ndefault-classification = "official-sensitive"\n'
        'output-dir = "papers"\n'
    )
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) == tmp_path / "scoper.toml"
    config = load_config(deep)
    assert config.organisation == "No10 Policy Unit"
    assert config.default_classification == "OFFICIAL-SENSITIVE"
    assert config.output_dir == tmp_path / "papers"


@pytest.mark.parametrize(
    "text,line,message",
    [
        ('organisation = "x"\noutput-dir = \n', 2, "not valid TOML"),
        ('organisation = "x"\n\norganization = "y"\n', 3, "did you mean 'organisation'"),
        ("organisation = 5\n", 1, "'organisation' must be a string"),
        ('\ndefault-classification = "RESTRICTED"\n', 2, "must be one of OFFICIAL"),
        ('output-dir = ["a"]\n', 1, "'output-dir' must be a string"),
    ],
)
def test_bad_config_is_reported_with_its_line(text: str, line: int, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text.encode(), Path("scoper.toml"))
    assert caught.value.line == line
    assert message in caught.value.message
    assert str(caught.value).startswith(f"scoper.toml:{line}: error: ")
