"""Evidence documents and their versions, NDA texts and acceptances, the public trust page."""
