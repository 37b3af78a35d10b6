"""Read the emails the outbox relay wrote to the mail folder, as a person reading their inbox would."""
from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

from flask import current_app

from portal import outbox


def deliver() -> int:
    return outbox.relay_once(batch_size=1000)


def inbox(address: str) -> list:
    deliver()
    folder = Path(current_app.config["MAIL_DIRECTORY"])
    messages = [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in folder.glob("*.eml")]
    return sorted((m for m in messages if m["To"] == address), key=lambda m: m["Message-ID"])


def last_link(address: str) -> str:
    messages = inbox(address)
    assert messages, f"no email to {address}"
    body = messages[-1].get_content()
    links = re.findall(r"https?://\S+", body)
    assert links, "the email has no link"
    return links[-1].split("portal.test", 1)[-1]
