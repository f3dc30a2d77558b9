"""Pages of the answer library: entries and their review, and the import/export of library files."""
