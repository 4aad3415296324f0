"""Prompt templates are files under prompts/; this renders them. $name placeholders (string.Template), so JSON
braces in a prompt need no escaping."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from string import Template


@lru_cache
def _template(prompts_dir: Path, name: str) -> Template:
    return Template((prompts_dir / f"{name}.md").read_text(encoding="utf-8"))


def render(prompts_dir: Path, name: str, **values: object) -> str:
    """Fill a template; a missing value is an error, not a silent '$name' in the prompt."""
    return _template(Path(prompts_dir), name).substitute({k: str(v) for k, v in values.items()})
