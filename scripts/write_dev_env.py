"""Write a development .env (DEBUG on, freshly generated SECRET_KEY and AUDIT_HMAC_KEY) when none exists."""

import secrets
import sys
from pathlib import Path

target = Path(sys.argv[1] if len(sys.argv) > 1 else ".env")
if not target.exists():
    target.write_text(
        "# Development settings written by `make setup`; production sets these in its environment.\n"
        "DEBUG=on\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"AUDIT_HMAC_KEY={secrets.token_urlsafe(32)}\n"
        "ALLOWED_HOSTS=127.0.0.1,localhost\n"
    )
    target.chmod(0o600)
    print(f"Wrote development settings to {target}")
