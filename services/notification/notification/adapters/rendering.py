"""Jinja2 templates under notification/templates/{da,en}/: `<kind>.txt` and `<kind>.html`
for each mail kind. Everything a template prints is decided in domain/ (MailView)."""

import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from notification.domain.view import MailView

TEMPLATES = Path(__file__).parent.parent / "templates"
_BLANK_RUNS = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    language: str
    text: str
    html: str


class TemplateRenderer:
    def __init__(self, directory: Path = TEMPLATES) -> None:
        self._env = Environment(
            loader=FileSystemLoader(directory),
            # Names and titles come from outside: escape them in HTML, never in plain text.
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, view: MailView) -> RenderedMail:
        name = f"{view.language}/{view.kind}"
        text = self._env.get_template(f"{name}.txt").render(view=view)
        html = self._env.get_template(f"{name}.html").render(view=view)
        return RenderedMail(view.subject, view.language, _tidy(text), html)


def _tidy(text: str) -> str:
    """Optional sections leave blank lines behind; a mail never needs more than one in a row."""
    return _BLANK_RUNS.sub("\n\n", text).strip() + "\n"
