"""Extract the till's French UI strings into the Qt `.ts` catalogue, keeping the translations.

`pyside6-lupdate` files a bare `tr("…")` under an empty context, while `caisse.ui.i18n.tr`
looks it up under ``caisse``; this small AST scanner gives each string the context Qt uses
at run time:

- ``tr("…")`` (from `caisse.ui.i18n`): ``caisse``, or the context given as second argument;
- ``self.tr("…")``: the enclosing class's name (PySide's context for a Python subclass);
- ``QCoreApplication.translate("ctx", "…")``: ``ctx``.

Run ``python -m caisse.app.i18n_extract`` (``--check`` fails when a string has no English
translation). Messages no longer in the code are dropped; new ones are added unfinished.
"""

from __future__ import annotations

import argparse
import ast
import logging
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[3]
SOURCE_DIRS = (ROOT / "src" / "caisse" / "ui",)
TS_FILE = ROOT / "resources" / "translations" / "caisse_en.ts"
DEFAULT_CONTEXT = "caisse"


@dataclass(frozen=True, slots=True, order=True)
class Message:
    """One translatable string and where it was found (the first place)."""

    context: str
    source: str
    filename: str = ""
    line: int = 0


def _text(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


class _Finder(ast.NodeVisitor):
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.classes: list[str] = []
        self.found: list[Message] = []

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.append(node.name)
        self.generic_visit(node)
        self.classes.pop()

    def _add(self, context: str, text: str | None, node: ast.AST) -> None:
        if text:
            self.found.append(Message(context, text, self.filename, getattr(node, "lineno", 0)))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        args = node.args
        if isinstance(func, ast.Name) and func.id == "tr" and args:
            context = DEFAULT_CONTEXT
            if len(args) > 1 and _text(args[1]):
                context = str(_text(args[1]))
            for keyword in node.keywords:
                if keyword.arg == "context" and _text(keyword.value):
                    context = str(_text(keyword.value))
            self._add(context, _text(args[0]), node)
        elif isinstance(func, ast.Attribute) and func.attr == "tr" and args:
            owner = func.value
            if isinstance(owner, ast.Name) and owner.id == "self" and self.classes:
                self._add(self.classes[-1], _text(args[0]), node)
        elif isinstance(func, ast.Attribute) and func.attr == "translate" and len(args) >= 2:
            named = _text(args[0])
            if named:
                self._add(named, _text(args[1]), node)
        self.generic_visit(node)


def extract(paths: Iterable[Path], root: Path = ROOT) -> list[Message]:
    """Every translatable string of the Python files under `paths`, first occurrence kept."""
    seen: dict[tuple[str, str], Message] = {}
    for base in paths:
        for path in sorted(base.rglob("*.py")):
            finder = _Finder(path.relative_to(root).as_posix())
            finder.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
            for message in finder.found:
                seen.setdefault((message.context, message.source), message)
    return sorted(seen.values())


def read_translations(ts_file: Path) -> dict[tuple[str, str], str]:
    """(context, source) → translation of a `.ts` file (finished or not, non-empty only)."""
    if not ts_file.exists():
        return {}
    found: dict[tuple[str, str], str] = {}
    # note: the catalogue is our own file in the source tree, not untrusted input
    for context in ET.parse(ts_file).getroot().iter("context"):  # noqa: S314
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source") or ""
            translation = message.findtext("translation") or ""
            if translation:
                found[(name, source)] = translation
    return found


def write_ts(
    ts_file: Path, messages: Iterable[Message], translations: dict[tuple[str, str], str]
) -> None:
    """Write the catalogue: one context per group, translations kept, the rest unfinished."""
    root = ET.Element("TS", version="2.1", language="en_GB", sourcelanguage="fr_FR")
    by_context: dict[str, list[Message]] = {}
    for message in messages:
        by_context.setdefault(message.context, []).append(message)
    for name in sorted(by_context):
        context = ET.SubElement(root, "context")
        ET.SubElement(context, "name").text = name
        for message in by_context[name]:
            element = ET.SubElement(context, "message")
            ET.SubElement(element, "location", filename=message.filename, line=str(message.line))
            ET.SubElement(element, "source").text = message.source
            text = translations.get((message.context, message.source), "")
            translation = ET.SubElement(element, "translation")
            translation.text = text
            if not text:
                translation.set("type", "unfinished")
    ET.indent(root)
    ts_file.parent.mkdir(parents=True, exist_ok=True)
    body = ET.tostring(root, encoding="unicode")
    ts_file.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8"
    )


def untranslated(messages: Iterable[Message], ts_file: Path) -> Iterator[Message]:
    """The strings with no English translation in `ts_file`."""
    translations = read_translations(ts_file)
    return (m for m in messages if (m.context, m.source) not in translations)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ts", type=Path, default=TS_FILE)
    parser.add_argument("--check", action="store_true", help="fail on a missing translation")
    args = parser.parse_args(argv)
    messages = extract(SOURCE_DIRS)
    if args.check:
        missing = list(untranslated(messages, args.ts))
        for message in missing:
            sys.stderr.write(
                f"{message.filename}:{message.line}: [{message.context}] "
                f"{message.source!r} has no English translation\n"
            )
        return 1 if missing else 0
    write_ts(args.ts, messages, read_translations(args.ts))
    left = len(list(untranslated(messages, args.ts)))
    sys.stdout.write(f"{len(messages)} strings, {left} to translate in {args.ts}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
