# English dates as "20 Feb 2026" (unambiguous for readers outside the US), with the 24-hour clock.
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
