"""Date formats per locale (settings.FORMAT_MODULE_PATH); a locale without a module here keeps Django's own
(zh-Hans: Y年n月j日). Templates use the named formats (``date:"DATE_FORMAT"``), never a literal pattern."""
