"""Captures part of a static page in headless Chromium through the DevTools protocol (scripts/lib/devtools.py):
from the top of element FROM_ID (or the page's top when it is "") down to the top of element TO_ID, 1280 px wide.
Fails if the page logs anything to the console.

    /usr/bin/python3 page_screenshot.py NAME DEBUG_PORT URL OUT.png FROM_ID TO_ID
"""
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import devtools  # noqa: E402

name, debug, url, out, from_id, to_id = sys.argv[1:7]


def top_of(element_id):
    return ("Math.floor(document.getElementById('%s').getBoundingClientRect().top + scrollY)" % element_id)


async def main():
    async with devtools.connect(debug, name) as ws:
        page = devtools.Page(ws, name)
        await page.call("Log.enable")
        await page.call("Runtime.enable")
        await page.call("Page.enable")
        await page.call("Page.navigate", url=url)
        for _ in range(100):  # a static page: loaded once its document is complete
            done = await page.call("Runtime.evaluate", expression="document.readyState === 'complete'")
            if done["result"]["value"]:
                break
            await asyncio.sleep(0.1)
        y0 = 0
        if from_id:
            y0 = (await page.call("Runtime.evaluate", returnByValue=True, expression=top_of(from_id)))["result"]["value"]
        y1 = (await page.call("Runtime.evaluate", returnByValue=True, expression=top_of(to_id)))["result"]["value"]
        await page.screenshot(out, clip={"x": 0, "y": y0, "width": 1280, "height": y1 - y0, "scale": 1})
        if page.console:
            sys.exit(f"{name}: the page logged to the console: {page.console}")


asyncio.run(main())
