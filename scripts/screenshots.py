"""Take the README's screenshots: the small demo, scored, in Debian's Chromium.

Run from a checkout with the test tools installed (``requirements-dev.txt``):

    python scripts/screenshots.py [--out docs/screenshots] [--db PATH]

It builds the demo in a temporary database (or uses ``--db``), starts ``streamlit run app.py``
on a free loopback port and saves one PNG per page, plus the Overview in Spanish and the
Customer 360 card in French. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

# (file name, page path, query string, title the page shows)
SHOTS = [
    ("overview.png", "", "", "Overview"),
    ("listening.png", "listening", "", "Listening"),
    ("segments.png", "segments", "", "Segments"),
    ("customer.png", "customer", "", "Customer 360"),
    ("cases.png", "cases", "", "Rescue queue"),
    ("rules.png", "rules", "", "Workflow rules"),
    ("overview-es.png", "", "ui_lang=es", "Resumen"),
    ("customer-fr.png", "customer", "ui_lang=fr", "Client 360"),
]


def main(argv: list[str] | None = None) -> int:
    from browser_support import Site, chromium, streamlit_server, wait_until_idle

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--db", type=Path, help="a scored database to show (default: a new small demo)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db
        if path is None:
            path = Path(tmp) / "scrm.db"
            for command in (["demo", "--scale", "small"], ["score"]):
                subprocess.run([sys.executable, "-m", "scrm", "--db", str(path), *command], cwd=ROOT, check=True)
        today = date.today()
        site = Site(
            url="", db_path=path, log_path=Path(tmp) / "server.log",
            first_day=today, last_day=today, hostile_ids=(),
        )  # fmt: skip
        with streamlit_server(site) as running, chromium(Path(tmp) / "profile") as context:
            page = context.new_page()
            page.set_viewport_size({"width": 1400, "height": 1000})
            for name, path_part, query, _title in SHOTS:
                url = f"{running.url}/{path_part}" + (f"?{query}" if query else "")
                page.goto(url, wait_until="domcontentloaded")
                page.wait_for_selector('[data-testid="stApp"]')
                page.wait_for_selector("h1")
                wait_until_idle(page)
                page.wait_for_timeout(1500)  # charts draw after the run ends
                page.screenshot(path=str(args.out / name), full_page=False)
                print(f"saved {args.out / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
