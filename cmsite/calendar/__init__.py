"""The editorial calendar: every blog post and social post of a month (`model`), as text,
JSON, iCalendar (`ics`) and HTML."""
