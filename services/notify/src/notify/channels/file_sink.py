"""Development only: every message appended as one JSON line to a file instead of leaving the machine."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from notify.channels.base import Accepted, Outgoing
from notify.domain.vocabulary import Channel


class FileSink:
    def __init__(self, path: Path, channel: Channel) -> None:
        self.path, self.channel, self.name = path, channel, f"file-{channel}"

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")

    async def send(self, message: Outgoing) -> Accepted:
        line = json.dumps({"delivery_id": message.delivery_id, "channel": str(message.channel),
                           "to": message.address, "subject": message.subject, "text": message.text},
                          ensure_ascii=False)
        await asyncio.to_thread(self._append, line)
        return Accepted(self.name, message.delivery_id)

    async def close(self) -> None:
        return None
