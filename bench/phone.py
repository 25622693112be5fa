"""The page on a mid-range phone: Debian's Chromium (headless, via Playwright) at 390×844 with the CPU slowed 4×
and the network at 10 Mbit/s down and up, 40 ms RTT (CDP Emulation.setCPUThrottlingRate and
Network.emulateNetworkConditions), cache empty; prints the time from navigation to the drawn page
(``body[data-state=ready]``: every panel fetched and drawn), and with and without gzip as the server sends it.

Run against a dashboard that is serving (e.g. ``make demo`` in another terminal):

    .venv/bin/python bench/phone.py --url http://127.0.0.1:8080/ [--runs 3]

Not part of any test: the figure depends on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

CHROMIUM = "/usr/bin/chromium"
MBIT = 10 * 1_000_000 / 8  # bytes per second
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def once(browser: Any, url: str, cpu: float) -> tuple[float, int]:
    context = browser.new_context(
        locale="ru-RU", timezone_id="Europe/Moscow", viewport={"width": 390, "height": 844},
        is_mobile=True, has_touch=True, device_scale_factor=3,
    )  # fmt: skip
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 40, "downloadThroughput": MBIT, "uploadThroughput": MBIT},
        )
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu})
        received = [0]
        cdp.on("Network.loadingFinished", lambda e: received.__setitem__(0, received[0] + int(e["encodedDataLength"])))
        started = time.perf_counter()
        page.goto(url)
        page.wait_for_selector("body[data-state=ready]", timeout=120_000)
        return time.perf_counter() - started, received[0]
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080/")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cpu", type=float, default=4.0, help="CPU slowdown (4 = a mid-range phone)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            times = []
            for run in range(args.runs):
                seconds, size = once(browser, args.url, args.cpu)
                times.append(seconds)
                print(f"run {run + 1}: page drawn in {seconds:.2f} s, {size / 1024:.0f} KiB over the wire")
        finally:
            browser.close()
    print(f"phone profile (CPU ×{args.cpu:g}, 10 Mbit/s, 40 ms RTT): median {statistics.median(times):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
