"""Revisions of the central server schema (s0001, s0002... in one chain)."""
