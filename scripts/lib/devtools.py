"""Drives the page of a headless Chromium through the DevTools protocol (Python's websockets), for the screenshot
scripts: connect to the browser scripts/lib/screenshot.sh started, call methods, keep what the page logged."""
import base64
import json
import sys
import time
import urllib.request

import websockets

CONSOLE_EVENTS = ("Log.entryAdded", "Runtime.consoleAPICalled", "Runtime.exceptionThrown")


class Page:
    """One page: call(method, **params) returns the result; console holds what the page logged meanwhile."""

    def __init__(self, ws, who):
        self.ws, self.who, self.console, self.ids = ws, who, [], iter(range(1, 1_000_000))

    async def call(self, method, **params):
        n = next(self.ids)
        await self.ws.send(json.dumps({"id": n, "method": method, "params": params}))
        while True:
            msg = json.loads(await self.ws.recv())
            if msg.get("method") in CONSOLE_EVENTS:
                self.console.append(msg["params"])
            if msg.get("id") == n:
                if "error" in msg:
                    sys.exit(f"{self.who}: {method}: {msg['error']}")
                return msg["result"]

    async def screenshot(self, out, **params):
        """Writes a PNG of the page to out; params go to Page.captureScreenshot (a clip, say)."""
        shot = await self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True, **params)
        with open(out, "wb") as f:
            f.write(base64.b64decode(shot["data"]))


def connect(port, who):
    """The websocket of the browser's first page, once its DevTools answer on port (30 s at most)."""
    deadline = time.time() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as r:
                pages = [t for t in json.load(r) if t["type"] == "page"]
            if pages:
                return websockets.connect(pages[0]["webSocketDebuggerUrl"], max_size=64 * 1024 * 1024)
        except OSError:
            pass
        if time.time() > deadline:
            sys.exit(f"{who}: chromium's DevTools did not answer")
        time.sleep(0.2)
