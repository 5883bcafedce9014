"""Why a till stopped syncing, and whether that also stops it selling (sync.md §6.7.3).

Kept apart from the agent so that opening a till (`caisse.app.bootstrap`) can re-apply a
block found by an earlier session without importing the HTTP client.
"""

from __future__ import annotations

STOPPING_STATUSES = frozenset({"forked", "cloned", "defect", "revoked"})
"""A till in one of these states pushes nothing until it is enrolled again."""
BLOCKING_STATUSES = frozenset({"forked", "cloned", "defect"})
"""...and in these it also refuses to sell (sync.md §6.7.3; a revoked till may keep selling)."""


STOP_TEXTS: dict[str, tuple[str, str]] = {
    "forked": (
        "le journal de cette caisse diverge de celui du serveur central (restauration ou "
        "clone) : elle doit être ré-enregistrée (caisse sync enroll).",
        "this till's journal diverges from the central server's (restore or clone): it must "
        "be registered again (caisse sync enroll).",
    ),
    "cloned": (
        "le serveur central a reçu plus d'enregistrements que cette caisse n'en contient "
        "(sauvegarde restaurée ou disque cloné) : elle doit être ré-enregistrée "
        "(caisse sync enroll).",
        "the central server holds more records than this till (restored backup or cloned "
        "disk): it must be registered again (caisse sync enroll).",
    ),
    "defect": (
        "le serveur central a refusé le chaînage du journal de cette caisse : elle doit être "
        "vérifiée puis ré-enregistrée.",
        "the central server refused this till's journal chain: it must be checked, then "
        "registered again.",
    ),
    "revoked": (
        "cette caisse a été révoquée sur le serveur central : la synchronisation est arrêtée.",
        "this till was revoked on the central server: sync is stopped.",
    ),
}


def stop_reason(status: str | None) -> tuple[str, str] | None:
    """The (fr, en) reason pushing stopped, or None when the status lets it go on."""
    return STOP_TEXTS.get(status or "")


def blocking_reason(status: str | None) -> tuple[str, str] | None:
    """The (fr, en) reason sales are refused, or None when the status lets the till sell."""
    return STOP_TEXTS.get(status or "") if status in BLOCKING_STATUSES else None
