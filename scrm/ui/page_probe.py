"""Time one dashboard page: the first run after a cold start, then warm reruns.

Run by ``scrm.bench`` in a fresh process, by its path:
``python scrm/ui/page_probe.py APP PAGE QUERY_JSON WARM_RUNS TIMEOUT``. It
imports only Streamlit before the timer starts (a server has that loaded
before the first browser arrives); pandas, scrm and the page's own imports
are part of the cold run, as they are for the first visitor after a restart.
It prints one line ``SCRM_PAGE_RESULT {json}``.
"""

import json
import resource
import sys
import time
import traceback

from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test


class _NavigationPagesManager(PagesManager):
    # AppTest (Streamlit 1.67) forgets before each run that the app routes with
    # st.navigation and, as pages/ exists, runs later runs' page files without
    # app.py; a server decides once per process (see tests/test_shell.py).
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


def problems(at):
    found = [str(e.value) for e in at.exception]
    found += ["the page showed an error: " + str(e.value) for e in at.error]
    return found


def main() -> None:
    app_test.PagesManager = _NavigationPagesManager  # type: ignore[misc]
    app, page, query, warm_runs, timeout = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    out: dict[str, object] = {}

    try:
        at = AppTest.from_file(app, default_timeout=timeout)
        for key, value in query.items():
            at.query_params[key] = value
        # Before the first run AppTest names the page by its file name, which is
        # the url path st.Page gives a file page: the first run lands on the page.
        at.switch_page(page)
        t0 = time.perf_counter()
        at.run()
        out["cold_seconds"] = time.perf_counter() - t0
        found = problems(at)
        warm: list[float] = []
        if not found:
            for _ in range(warm_runs):
                t0 = time.perf_counter()
                at.run()
                warm.append(time.perf_counter() - t0)
                found = problems(at)
                if found:
                    break
        out["warm_seconds"] = warm
        if found:
            out["error"] = found[0][:500]
    except Exception as e:
        out["error"] = (type(e).__name__ + ": " + str(e))[:500]
        out["traceback"] = traceback.format_exc()[-2000:]
    # VmHWM is this program's own peak; ru_maxrss would include the parent's size at fork.
    try:
        with open("/proc/self/status") as f:
            out["peak_rss_mb"] = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    print("SCRM_PAGE_RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":  # run by its path; importing it (doctests, linters) runs nothing
    main()
