"""Mail the filled workbooks back to the schools, exactly once (`xlrubric mail OUTDIR`).

Small modules, one job each: `contacts` (who gets what, and which addresses are unusable), `render`
(Jinja2 template → EmailMessage with an RFC 2231 attachment name), `ledger` (SQLite state per message,
the basis of exactly-once), `smtp` (one reused connection, TLS, retries, rate limit, the split DATA phase
that narrows the ambiguous window to one write), `campaign` (plan from the batch manifest, dry run, send,
status). The design of exactly-once is in `ledger`'s docstring.
"""
