"""Eligibility and tier engine. Its modules import no Django; apps.py only registers the `evaluate` command."""
