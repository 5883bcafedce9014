"""Tests of caisse_verif: the FR1 record format and the standalone verifier."""
