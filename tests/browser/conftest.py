"""Real-browser journeys: Playwright driving Debian's chromium against the app served on loopback."""
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"


#: The development server's threads give a static file to the browser as a stream; when the browser drops the
#: connection mid-file (a page left while its style sheet loads), that stream is closed only by the collector,
#: which may run in a later test. The server's own doing, not the app's: ignored for these files only.
STATIC_STREAM_LEFT = r"ignore:Exception ignored in.*/surveys/static/:pytest.PytestUnraisableExceptionWarning"


def pytest_collection_modifyitems(items):
    """Called with every test of the run, wherever this conftest is: marks the browser tests alone."""
    for item in items:
        if Path(__file__).parent in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings(STATIC_STREAM_LEFT))


@pytest.fixture
def server(app):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def shoot(request):
    """Save a screenshot of the page as a test artifact: test-artifacts/<test>/<n>-<name>.png."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    taken = []

    def take(page, name: str) -> None:
        taken.append(name)
        page.screenshot(path=str(folder / f"{len(taken):02d}-{name}.png"), full_page=True)
    return take


AXE = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def axe(server):
    """Check a page with axe-core and return its violations. The script is served as if from the app's own
    origin (Playwright answers the request), since the CSP refuses a script injected inline."""
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE} is missing: `make test` installs it with npm ci")
        pytest.skip("axe-core is not installed (npm ci)")
    body = AXE.read_bytes()

    def check(page) -> list[dict]:
        page.route(f"{server}/__axe.min.js", lambda route: route.fulfill(body=body, content_type="text/javascript"))
        page.add_script_tag(url=f"{server}/__axe.min.js")
        result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
        return [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]} for v in result]
    return check
