"""The exception tree of caisse-verif (standard library only).

::

    VerifError                      root of every error raised by caisse_verif
    ├── CanonicalError (ValueError)  a value or byte string is not canonical JSON (RFC 8785 subset)
    ├── CoreGrammarError (ValueError) a core string or token breaks the FR1 grammar
    ├── KeyFormatError (ValueError)  a JWK is not a usable P-256 public key
    └── SourceError                  an input file is missing, unreadable or not a journal

A `SourceError` carries its sentence in French and in English, because the command line shows it
as is (exit code 2).
"""

from __future__ import annotations


class VerifError(Exception):
    """Root of every error raised by caisse_verif."""


class CanonicalError(VerifError, ValueError):
    """A value or byte string is not canonical JSON (RFC 8785, integers only, NFC strings)."""


class CoreGrammarError(VerifError, ValueError):
    """A core string or one of its tokens breaks the FR1 grammar."""


class KeyFormatError(VerifError, ValueError):
    """A JWK is not a usable P-256 public key."""


class SourceError(VerifError):
    """An input file is missing, unreadable, or not a journal.

    Attributes:
        fr: the sentence to show in French.
        en: the same sentence in English.
    """

    def __init__(self, fr: str, en: str) -> None:
        super().__init__(en)
        self.fr = fr
        self.en = en

    def message(self, lang: str) -> str:
        """Return the sentence in `lang` ("fr" or "en")."""
        return self.en if lang == "en" else self.fr
