"""What a valid contact looks like: one rule for an e-mail address and a phone number.

Kept free of pandas/pandera so the mail step can check addresses without loading the pipeline.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")
# 11-digit mobile (optionally +86), or a landline with area code and optional extension.
PHONE = re.compile(r"^(\+?86[- ]?)?(1[3-9]\d{9}|0\d{2,3}[- ]?\d{7,8}([- ]?\d{1,5})?)$")
