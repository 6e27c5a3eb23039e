"""An ASGI layer in front of the sandbox that answers like a middlebox would, served on a loopback port.

`answer(...)` arms it for the requests a predicate picks: it replies itself (`200 {}`, a captive portal's
HTML, a JSON body cut short) either instead of passing the request on (the write never reached Eventtia)
or after the sandbox handled it (the write landed, its answer was mangled on the way back). `drip` sends
the real answer one byte every `drip` seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

EMPTY_OBJECT = b"{}"
PORTAL = b"<html><head><title>Hotel WiFi</title></head><body>Accept the terms to go on.</body></html>"
CUT_SHORT = b'{"data": {"id": "1234567", "type": "attend'

Pick = Callable[[str, str], bool]  # (method, path) -> armed for it


def writes(method: str, path: str) -> bool:
    return method != "GET"


def reads(method: str, path: str) -> bool:
    return method == "GET" and not path.endswith("/auth")


@dataclass
class Armed:
    body: bytes
    pick: Pick
    forward: bool  # the sandbox handles the request first (the write lands), then the answer is replaced
    content_type: bytes = b"application/json"


class Middlebox:
    def __init__(self, app) -> None:
        self.app = app
        self.armed: Armed | None = None
        self.drip = 0.0  # seconds between bytes of the real answer (0: off)
        self.drip_pick: Pick = lambda method, path: True
        self.mangled: list[str] = []  # "METHOD /path" of every answer it replaced

    def answer(self, body: bytes, pick: Pick = writes, *, forward: bool = False, html: bool = False) -> None:
        self.armed = Armed(body, pick, forward, b"text/html" if html else b"application/json")

    def off(self) -> None:
        self.armed, self.drip = None, 0.0

    def _dripping(self, send):
        async def dripped(message: dict) -> None:
            if message["type"] != "http.response.body":
                await send(message)
                return
            body = message.get("body", b"")
            position = 0
            while position < len(body) and self.drip:  # turned off: the rest at once (the test is ending)
                await send({"type": "http.response.body", "body": body[position:position + 1], "more_body": True})
                position += 1
                await asyncio.sleep(self.drip)
            await send({"type": "http.response.body", "body": body[position:],
                        "more_body": message.get("more_body", False)})

        return dripped

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        armed = self.armed if self.armed is not None and self.armed.pick(method, path) else None
        if armed is not None:
            self.mangled.append(f"{method} {path}")
            if armed.forward:
                await self.app(scope, receive, _discard)
            await _reply(send, armed.body, armed.content_type)
            return
        if self.drip and self.drip_pick(method, path):
            await self.app(scope, receive, self._dripping(send))
            return
        await self.app(scope, receive, send)


async def _discard(message: dict) -> None:
    return None


async def _reply(send, body: bytes, content_type: bytes) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


