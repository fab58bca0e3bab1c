"""Short in-process retries with backoff (tenacity) around a channel; longer outages are the sender loop's:
the delivery goes back to pending with its next attempt time in the database."""

from __future__ import annotations

from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from notify.channels.base import Accepted, ChannelSender, Outgoing, TransientFailure


class Retrying:
    def __init__(self, inner: ChannelSender, attempts: int = 3, initial: float = 0.2, maximum: float = 2.0) -> None:
        self.inner, self.channel, self.name = inner, inner.channel, inner.name
        self._attempts, self._initial, self._maximum = attempts, initial, maximum

    async def send(self, message: Outgoing) -> Accepted:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(lambda e: isinstance(e, TransientFailure)),
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential_jitter(multiplier=self._initial, max=self._maximum, jitter=self._initial),
            reraise=True,
        ):
            with attempt:
                return await self.inner.send(message)
        raise AssertionError("unreachable: tenacity reraises the last failure")

    async def close(self) -> None:
        await self.inner.close()
