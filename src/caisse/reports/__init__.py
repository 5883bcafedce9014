"""PDF and CSV reports built from service read models."""
