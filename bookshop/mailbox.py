"""The local mailbox (`make run`, tests): every message written to
EMAIL_FILE_PATH as one file named after its Message-ID.

A message sent again with the same Message-ID (the outbox after a crash
between sending and marking) replaces its file instead of adding one: what
an ESP honouring an idempotency key does, and what mail clients that collapse
duplicates by Message-ID show. Files are written whole, then renamed, so a
crash mid-write leaves no half message.
"""

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class EmailBackend(BaseEmailBackend):
    def __init__(self, *args, file_path: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.file_path = Path(file_path or settings.EMAIL_FILE_PATH)
        self.file_path.mkdir(parents=True, exist_ok=True)

    def send_messages(self, email_messages: list[EmailMessage]) -> int:
        for message in email_messages:
            mime = message.message()
            key = hashlib.sha256(str(mime["Message-ID"]).encode()).hexdigest()[:32]
            target = self.file_path / f"{key}.eml"
            fd, temp = tempfile.mkstemp(dir=self.file_path, prefix=".incoming-")
            with os.fdopen(fd, "wb") as out:
                out.write(mime.as_bytes(linesep="\n"))
            os.replace(temp, target)
        return len(email_messages)
