"""Placeholder: filled in by the keypad work."""
