"""Tests of caisse."""
