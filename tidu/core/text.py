"""Text that enters from outside (forms, autosave, JSON): control characters are refused, not stored.

A NUL cannot be stored in PostgreSQL text or jsonb (the save failed with a server error there while SQLite
kept it), and other C0 controls break XLSX and XML output later. They come from copy-and-paste, never from
typing, so the field is named and the person removes them; what they typed stays in their form.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls except tab, LF and CR; DEL.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_character_paths(value: Any, path: tuple = ()) -> list[tuple]:
    """Where in a (nested) value a string holds a control character: a list of key/index paths."""
    if isinstance(value, str):
        return [path] if CONTROL_CHARACTERS.search(value) else []
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in control_character_paths(item, (*path, key))]
    if isinstance(value, list | tuple):
        return [found for index, item in enumerate(value) for found in control_character_paths(item, (*path, index))]
    return []
