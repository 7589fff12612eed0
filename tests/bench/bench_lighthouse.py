"""Lighthouse's mobile audit of the create, post, share and gallery pages (not in CI: it downloads
Lighthouse from the npm registry through npx). `make bench-lighthouse`.

The site runs as in production (DEBUG off, collected, hashed and compressed static files, daphne
with its worker) on 127.0.0.1, with one published picture made by a real browser. Lighthouse drives
Debian's chromium (CHROME_PATH) with its default mobile settings: a slow-4G, 4x-CPU-slowdown phone.
Prints the four scores per page and every audit that cost points; the target is 95 in each.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.conftest import chromium_path
from tests.live import LiveSite

LIGHTHOUSE = os.environ.get("LIGHTHOUSE", "lighthouse@12.8.2")  # 12.x runs on Debian's Node 20
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGET = 95


def site_pages(site: LiveSite, chromium: str) -> dict[str, str]:
    """Sign up, make a picture and publish it in a real browser; the four pages to audit."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS
    from tests.e2e.test_community import generate, publish_latest, sign_up

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(60_000)
        sign_up(page, site.url, f"bench{secrets.token_hex(3)}")
        generate(page, site.url, "a lighthouse on a cliff at sunset")
        post = publish_latest(page, site.url, "Lighthouse at sunset")
        share = page.input_value("#share-url")
        browser.close()
    return {"create": site.url + "/", "post": post, "share": share, "gallery": site.url + "/gallery/"}


def audit(url: str, chromium: str, out: Path) -> dict:
    command = [
        "npx", "--yes", LIGHTHOUSE, url, "--quiet", "--output=json", f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
    ]  # fmt: skip
    env = {**os.environ, "CHROME_PATH": chromium}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode or not out.exists():
        raise RuntimeError(f"lighthouse failed on {url}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return json.loads(out.read_text())


def lost_points(report: dict, category: str) -> list[str]:
    refs = report["categories"][category]["auditRefs"]
    lost = []
    for ref in refs:
        result = report["audits"][ref["id"]]
        if ref["weight"] and result.get("score") is not None and result["score"] < 1:
            shown = f" ({result['displayValue']})" if result.get("displayValue") else ""
            lost.append(f"{ref['id']}: {result['score']:.2f}{shown}")
    return lost


def main() -> int:
    chromium = chromium_path()
    if not chromium:
        print("needs Debian's chromium (/usr/bin/chromium)")
        return 2
    with tempfile.TemporaryDirectory() as tmp, LiveSite(Path(tmp) / "site", worker_in_process=True) as site:
        site.prepare()
        site.start_server()
        pages = site_pages(site, chromium)
        rows, below = [], []
        for name, url in pages.items():
            report = audit(url, chromium, Path(tmp) / f"{name}.json")
            scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
            rows.append((name, scores))
            for category, score in scores.items():
                if score < TARGET:
                    below.append(f"{name} {category} {score}: " + "; ".join(lost_points(report, category)))
        print(f"Lighthouse {LIGHTHOUSE}, mobile preset, chromium {chromium}")
        print("| page | " + " | ".join(CATEGORIES) + " |")
        print("| --- | " + " | ".join("---" for _ in CATEGORIES) + " |")
        for name, scores in rows:
            print(f"| {name} | " + " | ".join(str(scores[c]) for c in CATEGORIES) + " |")
        for line in below:
            print("below target:", line)
        return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
