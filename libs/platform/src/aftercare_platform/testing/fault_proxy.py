"""A TCP proxy that can cut, refuse and delay connections: a database or broker outage on demand,
between one client and the shared server, without restarting the server other tests use.

    proxy = FaultProxy("127.0.0.1", 5432); await proxy.start()
    url = proxy.rewrite(database_url)        # the client connects through the proxy
    await proxy.cut()                        # every open connection dropped, new ones refused
    proxy.restore()                          # connections pass again
    proxy.delay = 0.2                        # every chunk waits 200 ms each way
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from urllib.parse import urlsplit, urlunsplit

log = logging.getLogger(__name__)

_CHUNK = 65536


class FaultProxy:
    def __init__(self, upstream_host: str, upstream_port: int, *, listen_host: str = "127.0.0.1",
                 listen_port: int = 0) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._listen = (listen_host, listen_port)
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.refusing = False
        # seconds each chunk waits before it is passed on, in both directions
        self.delay = 0.0
        self.connections_accepted = 0

    @classmethod
    def for_url(cls, url: str, default_port: int) -> FaultProxy:
        parts = urlsplit(url)
        return cls(parts.hostname or "127.0.0.1", parts.port or default_port)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("proxy not started")
        return int(self._server.sockets[0].getsockname()[1])

    def rewrite(self, url: str) -> str:
        """`url` (postgresql+asyncpg://…, amqp://…) pointed at this proxy instead of the server."""
        parts = urlsplit(url)
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@" if credentials else ""
        return urlunsplit((parts.scheme, f"{netloc}{self._listen[0]}:{self.port}", parts.path, parts.query,
                           parts.fragment))

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, *self._listen)
        self._listen = (self._listen[0], self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await self._drop_all()

    async def cut(self) -> None:
        """Drop every open connection and refuse new ones until restore()."""
        self.refusing = True
        await self._drop_all()

    def restore(self) -> None:
        self.refusing = False

    async def cut_for(self, seconds: float) -> None:
        await self.cut()
        await asyncio.sleep(seconds)
        self.restore()

    async def _drop_all(self) -> None:
        for writer in list(self._writers):
            _abort(writer)
        for task in list(self._links):
            task.cancel()
        await asyncio.gather(*self._links, return_exceptions=True)

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            # a reset, as a server that is down gives
            _abort(client_writer)
            return
        self.connections_accepted += 1
        try:
            server_reader, server_writer = await asyncio.open_connection(*self._upstream)
        except OSError:
            _abort(client_writer)
            return
        self._writers |= {client_writer, server_writer}
        task = asyncio.current_task()
        assert task is not None
        self._links.add(task)
        try:
            await asyncio.gather(self._pipe(client_reader, server_writer), self._pipe(server_reader, client_writer))
        except (asyncio.CancelledError, OSError):
            pass
        finally:
            self._links.discard(task)
            for writer in (client_writer, server_writer):
                self._writers.discard(writer)
                _abort(writer)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            chunk = await reader.read(_CHUNK)
            if not chunk:
                break
            if self.delay:
                await asyncio.sleep(self.delay)
            writer.write(chunk)
            await writer.drain()
        with contextlib.suppress(OSError):
            writer.write_eof()


def _abort(writer: asyncio.StreamWriter) -> None:
    transport = writer.transport
    if not transport.is_closing():
        transport.abort()
