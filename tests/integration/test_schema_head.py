"""Start-up skips alembic when the database is already at the newest migration."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from caisse.storage.engine import _alembic_config, make_engine, script_head, upgrade_database


def test_the_plain_reading_finds_alembics_head() -> None:
    assert script_head() == ScriptDirectory.from_config(_alembic_config()).get_current_head()


def test_a_database_at_head_is_not_handed_to_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(tmp_path / "t.sqlite")
    upgrade_database(engine)
    calls: list[str] = []
    monkeypatch.setattr(command, "upgrade", lambda _cfg, rev: calls.append(rev))
    upgrade_database(engine)
    assert calls == []
    engine.dispose()


def test_a_database_behind_or_new_is_upgraded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(tmp_path / "t.sqlite")
    calls: list[str] = []
    monkeypatch.setattr(command, "upgrade", lambda _cfg, rev: calls.append(rev))
    upgrade_database(engine)  # no alembic_version table yet
    assert calls == ["head"]
    engine.dispose()


def test_files_it_cannot_read_plainly_defer_to_alembic(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("revision = 'a'\ndown_revision = None\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("revision = 'b'\ndown_revision = ('a', 'x')\n", encoding="utf-8")
    assert script_head(tmp_path) is None
    (tmp_path / "b.py").write_text('revision: str = "b"\ndown_revision = "a"\n', encoding="utf-8")
    assert script_head(tmp_path) == "b"
    (tmp_path / "c.py").write_text("revision = 'c'\ndown_revision = 'a'\n", encoding="utf-8")
    assert script_head(tmp_path) is None  # two heads
