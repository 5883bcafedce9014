"""The JET (journal des événements techniques) codes of nf525.md §6.6 and their labels."""

from __future__ import annotations

from enum import IntEnum


class Jet(IntEnum):
    """Event codes; to be mapped onto the certifier's NF525 dictionary (nf525.md §8)."""

    APP_START = 10
    APP_STOP = 20
    ACTIVATION = 30
    SIGN_IN = 40
    SIGN_OUT = 50
    RIGHTS_CHANGED = 55
    TICKET_VOIDED = 60
    LINE_VOIDED = 61
    QUANTITY_DECREASED = 62
    OVERRIDE = 70
    SOFTWARE_UPDATED = 80
    INTEGRITY_DEFECT = 90
    FISCAL_PARAMETER = 100
    TRAINING_ON = 110
    TRAINING_OFF = 111
    OFFLINE_START = 120
    OFFLINE_END = 121
    ARCHIVE = 130
    ARCHIVE_VERIFIED = 131
    PURGE = 140
    RESTORE = 150
    BACKUP = 160
    KEY_GENERATED = 170
    KEY_ROTATED = 171
    KEY_REVOKED = 172
    CLOCK_ANOMALY = 180
    CLOCK_SET = 181
    PRINTER_FAILURE = 190
    NOT_PRINTED = 191
    E_TICKET_SENT = 192
    AUDITOR_EXPORT = 200
    INTEGRITY_CHECK = 201
    ANCHOR_ACK = 210
    CRASH_RECOVERY = 230


LABELS_FR: dict[Jet, str] = {
    Jet.APP_START: "Démarrage de l'application",
    Jet.APP_STOP: "Arrêt de l'application",
    Jet.ACTIVATION: "Activation de la caisse",
    Jet.SIGN_IN: "Connexion opérateur",
    Jet.SIGN_OUT: "Déconnexion opérateur",
    Jet.RIGHTS_CHANGED: "Droits modifiés",
    Jet.TICKET_VOIDED: "Ticket annulé avant paiement",
    Jet.LINE_VOIDED: "Ligne annulée",
    Jet.QUANTITY_DECREASED: "Quantité diminuée avant paiement",
    Jet.OVERRIDE: "Dérogation responsable ou modification de prix",
    Jet.SOFTWARE_UPDATED: "Logiciel installé ou mis à jour",
    Jet.INTEGRITY_DEFECT: "Détection d'un défaut d'intégrité dans les données sécurisées",
    Jet.FISCAL_PARAMETER: "Paramètre fiscal modifié",
    Jet.TRAINING_ON: "Mode école activé",
    Jet.TRAINING_OFF: "Mode école désactivé",
    Jet.OFFLINE_START: "Début du mode hors ligne",
    Jet.OFFLINE_END: "Fin du mode hors ligne",
    Jet.ARCHIVE: "Archive produite",
    Jet.ARCHIVE_VERIFIED: "Archive vérifiée",
    Jet.PURGE: "Purge",
    Jet.RESTORE: "Restauration ou import",
    Jet.BACKUP: "Sauvegarde",
    Jet.KEY_GENERATED: "Clé générée",
    Jet.KEY_ROTATED: "Clé renouvelée",
    Jet.KEY_REVOKED: "Clé révoquée",
    Jet.CLOCK_ANOMALY: "Anomalie d'horloge",
    Jet.CLOCK_SET: "Horloge remise à l'heure",
    Jet.PRINTER_FAILURE: "Défaut d'impression",
    Jet.NOT_PRINTED: "Justificatif non imprimé à la demande du client",
    Jet.E_TICKET_SENT: "Ticket dématérialisé envoyé",
    Jet.AUDITOR_EXPORT: "Export pour l'administration",
    Jet.INTEGRITY_CHECK: "Contrôle d'intégrité",
    Jet.ANCHOR_ACK: "Accusé de réception du serveur",
    Jet.CRASH_RECOVERY: "Arrêt anormal ou reprise de la base",
}
