"""Pages of the questionnaires app, split by sub-domain."""
