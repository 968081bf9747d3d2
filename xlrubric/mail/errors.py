"""Errors of the mail step: one class under the project's root, so the CLI's `user_errors()` prints them."""

from __future__ import annotations

from xlrubric.errors import XlrubricError


class MailError(XlrubricError):
    """The mail step cannot go on as asked (stale batch, bad template, SMTP refused us): exit 2."""


class StaleBatch(MailError):
    """The manifest says some outputs are missing or no longer match their inputs: sending is refused."""
