"""``makemessages`` that also collects the msgids marked with ``N(...)``.

The engine and the import checks mark their Chinese sentences with ``gettext_noop`` imported as ``N`` (short,
and the engine does not import Django); xgettext only knows the names it is told, so without this the English
catalogue never received them and English pages showed those sentences in Chinese.
"""

from django.core.management.commands.makemessages import Command as MakeMessages


class Command(MakeMessages):
    xgettext_options = [*MakeMessages.xgettext_options, "--keyword=N"]
