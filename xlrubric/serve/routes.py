"""The page's routes (one school, templates, county batch, mail); filled in by the following modules."""

ROUTES: list = []
