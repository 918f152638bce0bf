"""Build: Site → pages, feeds and files → the output folder."""
