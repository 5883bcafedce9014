"""Scales: weighing rules, pricing and the Toledo 8217 and Dialog 06 protocols (no serial here)."""
