"""The till's settings: one frozen dataclass loaded once from TOML and passed down."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from caisse.domain.errors import InvalidInput

logger = logging.getLogger(__name__)

CONFIG_FILENAME = "config.toml"
CONFIG_VERSION = 1


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("caisse", appauthor=False))


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable, with the defaults of a new till."""

    data_dir: Path
    timezone: str = "Europe/Paris"
    cert_ref: str = "Attestation individuelle de l'éditeur (art. 286 I 3° bis CGI)"
    discount_cap_bp: int = 1000
    fiscal_year_start: str = "01-01"
    business_day_max_hours: int = 24
    lang: str = "fr"
    printer: str = "sim:"
    display: str = "sim:"
    scale: str = "sim:"
    scanner: str = "hid:"
    # note: receipts asked for by e-mail wait in the database until an SMTP relay is set here.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""

    @property
    def db_path(self) -> Path:
        return self.data_dir / "caisse.sqlite"

    @property
    def anchor_path(self) -> Path:
        return self.data_dir / "head.anchor"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"


# Ordered upgrades of the config file: index i turns version i+1 into i+2 (Picard's pattern).
_UPGRADES: list[Callable[[dict[str, Any]], dict[str, Any]]] = []


def _upgrade(raw: dict[str, Any]) -> dict[str, Any]:
    version = int(raw.get("version", 1))
    while version < CONFIG_VERSION:
        raw = _UPGRADES[version - 1](raw)
        version += 1
    raw["version"] = version
    return raw


def load_settings(data_dir: Path) -> Settings:
    """Read `config.toml` of the data directory, if any.

    Raises:
        InvalidInput: the file is not valid TOML or holds a value of the wrong type.
    """
    path = data_dir / CONFIG_FILENAME
    if not path.exists():
        return Settings(data_dir=data_dir)
    try:
        raw = _upgrade(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(
            f"Le fichier de configuration {path} est illisible ({exc}) : corrigez-le ou "
            "supprimez-le pour revenir aux valeurs par défaut.",
            f"The configuration file {path} is unreadable ({exc}): fix it or delete it to go "
            "back to the defaults.",
        ) from exc
    known = {f for f in Settings.__dataclass_fields__ if f != "data_dir"}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "version":
            continue
        if key not in known:
            logger.warning("unknown setting %r in %s ignored", key, path)
            continue
        expected = type(getattr(Settings(data_dir=data_dir), key))
        if not isinstance(value, expected):
            raise InvalidInput(
                f"Réglage {key} invalide dans {path} : {expected.__name__} attendu.",
                f"Invalid setting {key} in {path}: {expected.__name__} expected.",
            )
        values[key] = value
    return Settings(data_dir=data_dir, **values)
