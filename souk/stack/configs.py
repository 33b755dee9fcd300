"""Render the config templates of the repository's `stack/conf/` into SOUK_HOME/conf/."""

from __future__ import annotations

import string
from pathlib import Path

from souk.settings import REPO_ROOT
from souk.stack.settings import StackSettings

TEMPLATES = REPO_ROOT / "stack" / "conf"


def render(settings: StackSettings, template: str, **extra: str) -> Path:
    """Fill `${name}` placeholders from the settings (and `extra`); returns the written path.

    Rewritten on every start, so a changed port in `.env` takes effect on the next `souk up`.
    """
    values = {k: str(v) for k, v in vars(settings).items()}
    values.update(home=str(settings.home), repo=str(REPO_ROOT))
    root = Path(extra.pop("_root", TEMPLATES))
    values.update(extra)
    source = root / template
    text = string.Template(source.read_text(encoding="utf-8")).substitute(values)
    dest = settings.path("conf", template)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not dest.exists() or dest.read_text(encoding="utf-8") != text:
        dest.write_text(text, encoding="utf-8")
    return dest


def render_path(settings: StackSettings, source: Path, **extra: str) -> Path:
    """Render a repo file (a service's or agent's template) to SOUK_HOME/conf/<its repo-relative path>."""
    return render(settings, str(source.relative_to(REPO_ROOT)), _root=str(REPO_ROOT), **extra)


def copy(settings: StackSettings, template: str) -> Path:
    """Place a file that has no placeholders (log configs) beside the rendered ones."""
    dest = settings.path("conf", template)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes((TEMPLATES / template).read_bytes())
    return dest
