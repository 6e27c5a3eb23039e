"""The browser route: `textual serve "eventtia-tui --demo"` (textual-serve runs the app with its WebDriver, which
speaks to the page over pipes, not a terminal). The test is the browser: it opens the page's websocket, speaks
textual-serve's protocol (["stdin", text], ["resize", …]; the screen comes back as terminal bytes) and reads the
screen through a terminal emulator."""

from __future__ import annotations

import asyncio
import base64
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp  # textual-serve's web server; its client is the test's browser
import pyte
import pytest

from tests.app.tui_process import ROOT, environment

WIDTH, HEIGHT = 120, 36
STARTUP = 120.0  # seconds: a page still blank by then never draws (no test of speed: the machine is shared)
SERVER = "import sys; from textual_serve.server import Server; Server(sys.argv[1], host='127.0.0.1', port=int(sys.argv[2])).serve()"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    """textual-serve in a process of its own, serving `eventtia-tui --demo` on 127.0.0.1."""

    def __init__(self, home: Path) -> None:
        self.port = free_port()
        command = shlex.join([sys.executable, "-m", "eventtia_tui", "--demo"])
        env = environment(home)
        env.pop("TEXTUAL_DRIVER", None)  # textual-serve sets it for the app it starts, as it does for a user
        self.log = home / "server.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen([sys.executable, "-c", SERVER, command, str(self.port)], cwd=ROOT,
                                            env=env, stdout=log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"

    async def wait_until_up(self, session) -> None:
        end = time.monotonic() + STARTUP
        while time.monotonic() < end and self.process.poll() is None:
            try:
                async with session.get(self.url + "/") as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)  # polling a port until it answers, not waiting for the UI
        raise AssertionError(f"textual-serve did not start: {self.log.read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def screen_text(screen: pyte.Screen) -> str:
    return "\n".join(screen.display)


async def read_until(websocket, stream: pyte.ByteStream, screen: pyte.Screen, wanted: str) -> bool:
    """Feeds the app's output to the emulator until `wanted` is on screen; False if the socket closed first."""
    end = time.monotonic() + STARTUP
    while wanted not in screen_text(screen) and time.monotonic() < end:
        try:
            # Not receive(timeout=): the server's heartbeat pings restart that timeout, so it never ends.
            message = await asyncio.wait_for(websocket.receive(), max(0.1, end - time.monotonic()))
        except TimeoutError:
            break
        if message.type == aiohttp.WSMsgType.BINARY:
            stream.feed(message.data)
        elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            return False
    return wanted in screen_text(screen)


async def test_textual_serve_shows_demo_expo_and_takes_keys(tmp_path: Path) -> None:
    served = Served(tmp_path)
    try:
        async with aiohttp.ClientSession() as session:
            await served.wait_until_up(session)
            page = await (await session.get(served.url + "/")).text()
            assert "/ws" in page  # the page a browser gets names the websocket it opens
            screen = pyte.Screen(WIDTH, HEIGHT)
            stream = pyte.ByteStream(screen)
            async with session.ws_connect(f"{served.url}/ws?width={WIDTH}&height={HEIGHT}") as websocket:
                await websocket.send_json(["resize", {"width": WIDTH, "height": HEIGHT}])
                drawn = await read_until(websocket, stream, screen, "Demo Expo")
                log = served.log.read_text(errors="replace")
                assert drawn, f"no Demo Expo on the page's screen:\n{screen_text(screen)}\n--- server log:\n{log[-2000:]}"
                assert "needs a terminal" not in log
                await websocket.send_json(["stdin", "\x11"])  # Ctrl+Q, as the page sends it: the app quits
                while (message := await asyncio.wait_for(websocket.receive(), STARTUP)).type == aiohttp.WSMsgType.BINARY:
                    pass
                assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), message
    finally:
        served.stop()


CHROMIUM = next((path for name in ("chromium", "chromium-browser", "google-chrome")
                 if (path := shutil.which(name))), None)


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here (Debian: apt-get install chromium)")
async def test_chromium_draws_demo_expo_through_textual_serve(tmp_path: Path) -> None:
    """A real headless browser loads the page, whose script opens the websocket and draws the app. The page
    draws on a canvas, so the test reads what the browser received: the websocket frames, through the DevTools
    protocol (Network.webSocketFrameReceived), fed to a terminal emulator larger than the page's terminal."""
    served = Served(tmp_path)
    debug_port = free_port()
    assert CHROMIUM is not None
    browser = subprocess.Popen(
        [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={tmp_path / 'chromium'}", "--remote-debugging-address=127.0.0.1",
         f"--remote-debugging-port={debug_port}", "--window-size=1280,800", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "HOME": str(tmp_path)})
    screen = pyte.Screen(300, 100)
    stream = pyte.ByteStream(screen)
    try:
        async with aiohttp.ClientSession() as session:
            await served.wait_until_up(session)
            end = time.monotonic() + STARTUP
            targets: list = []
            while time.monotonic() < end and not targets:
                try:
                    async with session.get(f"http://127.0.0.1:{debug_port}/json/list") as answer:
                        targets = [target for target in await answer.json() if target.get("type") == "page"]
                except aiohttp.ClientError:
                    await asyncio.sleep(0.2)  # polling the browser's port until it answers
            assert targets, "Chromium's DevTools port never answered"
            async with session.ws_connect(targets[0]["webSocketDebuggerUrl"], max_msg_size=0) as devtools:
                await devtools.send_json({"id": 1, "method": "Network.enable", "params": {}})
                await devtools.send_json({"id": 2, "method": "Page.navigate", "params": {"url": served.url + "/"}})
                while "Demo Expo" not in screen_text(screen) and time.monotonic() < end:
                    try:
                        event = await asyncio.wait_for(devtools.receive_json(), max(0.1, end - time.monotonic()))
                    except TimeoutError:
                        break
                    frame = event.get("params", {}).get("response", {})
                    if event.get("method") == "Network.webSocketFrameReceived" and frame.get("opcode") == 2:
                        stream.feed(base64.b64decode(frame["payloadData"]))
                assert "Demo Expo" in screen_text(screen), served.log.read_text(errors="replace")[-2000:]
    finally:
        browser.terminate()
        browser.wait()
        served.stop()
