"""Checks of the queueing core against exact queueing theory."""
