"""An ASGI layer in front of the sandbox for slow-server faults (used by the fault and crash tests)."""

from __future__ import annotations

import asyncio


class Wire:
    """ASGI in front of the sandbox for the two slow-server faults its own knobs cannot make.

    `late_work`: the request is read in full, then handled only after a delay (a slow backend: the
    write lands after the client gave up, maybe after the client already retried). `late_answer`: the
    request is handled at once, but the answer is held back until the client has given up (the write
    landed, the answer was lost). The sandbox's own `latency_ms` waits before the body is read, so a
    client that gave up never gets its write applied there.
    """

    def __init__(self, app) -> None:
        self.app = app
        self.late_work = 0.0
        self.late_answer = 0.0
        self.seen: list[str] = []  # "METHOD /path" of every request, in arrival order
        self.finished: list[str] = []  # the same once the app is done with it (answered or not)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        name = f"{scope['method']} {scope['path']}"
        self.seen.append(name)
        try:
            await self._handle(scope, receive, send)
        finally:
            self.finished.append(name)

    async def _handle(self, scope, receive, send) -> None:
        if not (self.late_work or self.late_answer):
            await self.app(scope, receive, send)
            return
        late_work, late_answer = self.late_work, self.late_answer
        if late_work:
            body, more = b"", True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    return
                body, more = body + message.get("body", b""), message.get("more_body", False)
            await asyncio.sleep(late_work)
            handed = False

            async def replayed() -> dict:
                nonlocal handed
                if not handed:
                    handed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            receive = replayed

        async def held(message: dict) -> None:
            if late_answer and message["type"] == "http.response.start":
                await asyncio.sleep(late_answer)
            await send(message)

        await self.app(scope, receive, held)
