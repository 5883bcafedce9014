"""The auditor's verifier behind the purge's `ArchiveVerifier` port.

Runs exactly what `caisse-verif ARCHIVE.zip` runs (steps 1 to 5 of nf525.md §6.10: the
manifest's JWS, every file's hash and size, every record, the business rules and the
closures), with the key the manifest names, and hands back the anomalies' check ids.
"""

from __future__ import annotations

from pathlib import Path

from caisse.domain.errors import InvalidInput
from caisse.services.purge import VerifiedArchive
from caisse_verif import es256
from caisse_verif.archive import JOURNAL, MANIFEST, check_archive, iter_journal, open_archive
from caisse_verif.checks import verify_records
from caisse_verif.cli import _verify_jws
from caisse_verif.errors import KeyFormatError, SourceError
from caisse_verif.record import jwk_thumbprint


class CaisseVerifArchives:
    """Port `caisse.services.purge.ArchiveVerifier` over `caisse_verif`."""

    def verify(self, path: Path) -> VerifiedArchive:
        """Verify one archive file.

        Raises:
            InvalidInput: the file is missing or not an archive.
        """
        if not path.is_file():
            raise InvalidInput(
                f"Le fichier {path} n'existe pas : donnez l'archive (ZIP) exportée par cette "
                "caisse.",
                f"The file {path} does not exist: give the archive (ZIP) this till exported.",
            )
        try:
            zf = open_archive(path)
        except SourceError as exc:
            raise InvalidInput(exc.fr, exc.en) from exc
        with zf:
            if not {MANIFEST, JOURNAL} <= set(zf.namelist()):
                raise InvalidInput(
                    f"{path} n'est pas une archive de caisse ({MANIFEST} ou {JOURNAL} absent).",
                    f"{path} is not a till archive ({MANIFEST} or {JOURNAL} missing).",
                )
            found = check_archive(zf, _verify_jws, stream_journal=True)
            extra: list[str] = []
            checker = None
            if found.jwk is not None:
                try:
                    checker = es256.make_batch_checker(
                        es256.public_jwk(es256.load_public_jwk(found.jwk))
                    )
                except (KeyFormatError, TypeError, ValueError):
                    checker = None
            if checker is None:
                extra.append("archive.jws")
            else:
                manifest = found.manifest or {}
                try:
                    report = verify_records(
                        iter_journal(zf, found),
                        check_signatures=checker,
                        public_key_kid=jwk_thumbprint(dict(found.jwk or {})),
                        anchor=found.anchor,
                        expect_genesis=manifest.get("gseq_from") == 1,
                    )
                finally:
                    checker.close()
                extra += [a.check for a in report.anomalies]
            # note: iter_journal adds the journal file's own findings to `found` as it streams
            anomalies = [a.check for a in found.anomalies] + extra
        return VerifiedArchive(
            tuple(dict.fromkeys(anomalies)), found.manifest or {}, found.manifest_sha256, found.kid
        )
