"""The English catalogue covers every French string of the screens; the extractor's contexts."""

from __future__ import annotations

from pathlib import Path

from caisse.app.i18n_extract import (
    SOURCE_DIRS,
    TS_FILE,
    Message,
    extract,
    read_translations,
    untranslated,
    write_ts,
)


def test_every_screen_string_has_an_english_translation() -> None:
    messages = extract(SOURCE_DIRS)
    assert len(messages) > 100  # the scanner does find the screens' strings
    missing = [f"{m.filename}:{m.line} {m.source!r}" for m in untranslated(messages, TS_FILE)]
    assert missing == [], "run python -m caisse.app.i18n_extract and translate:\n" + "\n".join(
        missing
    )


def test_each_call_style_gets_the_context_qt_looks_up(tmp_path: Path) -> None:
    src = tmp_path / "pkg"
    src.mkdir()
    (src / "screen.py").write_text(
        "class Screen(QWidget):\n"
        "    def build(self):\n"
        '        self.tr("Bonjour")\n'
        '        tr("Verrouiller")\n'
        '        tr("Titre", "dialogs")\n'
        '        QCoreApplication.translate("errors", "Erreur")\n'
        '        tr(f"{x}")  # not a constant: skipped\n',
        encoding="utf-8",
    )
    found = {(m.context, m.source) for m in extract([src], root=tmp_path)}
    assert found == {
        ("Screen", "Bonjour"),
        ("caisse", "Verrouiller"),
        ("dialogs", "Titre"),
        ("errors", "Erreur"),
    }


def test_an_update_keeps_translations_and_adds_new_strings_unfinished(tmp_path: Path) -> None:
    ts = tmp_path / "caisse_en.ts"
    write_ts(ts, [Message("caisse", "Verrouiller")], {("caisse", "Verrouiller"): "Lock"})
    write_ts(
        ts,
        [Message("caisse", "Verrouiller"), Message("caisse", "Gestion")],
        read_translations(ts),
    )
    assert read_translations(ts) == {("caisse", "Verrouiller"): "Lock"}
    assert 'type="unfinished"' in ts.read_text(encoding="utf-8")
    assert [m.source for m in untranslated([Message("caisse", "Gestion")], ts)] == ["Gestion"]
