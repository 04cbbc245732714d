"""The container files (Dockerfile, compose.yaml, requirements.lock) keep their promises.

No Docker daemon runs in CI, so the files are read and checked here, and what the image runs is run
from the checkout: the scoring loop's command on a tiny demo, the health check's Python against a
stub server, and the image's ``streamlit run`` command itself. Where a daemon answers, the image is
built for real (the last test; skipped with the reason otherwise).
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
HEALTH_URL = "http://127.0.0.1:8501/_stcore/health"
LOCK_COMMAND = "uv pip compile requirements.txt requirements-postgres.txt -o requirements.lock"


# --- readers -------------------------------------------------------------------------------


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (INSTRUCTION, arguments), continuation lines joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # Docker drops comment lines, inside a continued instruction too
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        words = (pending + line).split(None, 1)
        pending = ""
        instructions.append((words[0].upper(), words[1] if len(words) > 1 else ""))
    assert not pending, "the Dockerfile ends inside a continued instruction"
    return instructions


def instruction(name: str) -> list[str]:
    return [args for op, args in dockerfile() if op == name]


def env() -> dict[str, str]:
    """Every ENV of the Dockerfile (key=value form)."""
    found: dict[str, str] = {}
    for args in instruction("ENV"):
        for word in shlex.split(args):
            key, sep, value = word.partition("=")
            assert sep, f"ENV {args!r}: use the key=value form"
            found[key] = value
    return found


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def healthcheck_command() -> list[str]:
    (args,) = instruction("HEALTHCHECK")
    _, sep, command = args.partition("CMD ")
    assert sep, "HEALTHCHECK runs a command (CMD [...])"
    return exec_form(command)


def _scalar(text: str) -> Any:
    if text.startswith(("[", '"')):
        return json.loads(text)  # flow lists and quoted strings are written in JSON style here
    if text.startswith(("'", "{", "&", "*", "!", "|", ">")):
        raise AssertionError(f"compose.yaml: {text!r} is beyond this test's small YAML reader; extend it")
    return {"true": True, "false": False}.get(text, text)


def compose() -> dict[str, Any]:
    """compose.yaml read with a small YAML reader (block maps, lists of scalars, JSON-style scalars).

    PyYAML is not a dependency of scrm and one test does not justify it: anything this reader
    does not understand fails the test loudly instead of being misread.
    """
    root: dict[str, Any] = {}
    # (indent, container) from the outermost; a key's value is decided by its first child line.
    stack: list[tuple[int, Any]] = [(0, root)]
    pending: tuple[dict[str, Any], str, int] | None = None
    for number, raw in enumerate((ROOT / "compose.yaml").read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        assert "\t" not in raw, f"compose.yaml:{number}: a tab"
        indent = len(raw) - len(raw.lstrip(" "))
        line = raw.strip()
        if pending is not None:
            parent, key, key_indent = pending
            pending = None
            if indent > key_indent:
                parent[key] = [] if line.startswith("- ") else {}
                stack.append((indent, parent[key]))
        while stack[-1][0] > indent:
            stack.pop()
        level, container = stack[-1]
        assert level == indent, f"compose.yaml:{number}: unexpected indentation"
        if line.startswith("- "):
            assert isinstance(container, list), f"compose.yaml:{number}: a list item outside a list"
            container.append(_scalar(line[2:].strip()))
            continue
        assert isinstance(container, dict), f"compose.yaml:{number}: a key inside a list"
        key, sep, value = line.partition(":")
        assert sep and re.fullmatch(r"[A-Za-z0-9_.-]+", key), f"compose.yaml:{number}: not a 'key: value' line"
        value = value.strip()
        if value:
            container[key] = _scalar(value)
        else:
            container[key] = None  # an empty value, unless indented lines follow
            pending = (container, key, indent)
    return root


def requirements(path: Path) -> list[Requirement]:
    found = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            found.append(Requirement(line))
    return found


def locked() -> dict[str, tuple[Version, int]]:
    """requirements.lock as {canonical name: (pinned version, number of hashes)}."""
    pins: dict[str, tuple[Version, int]] = {}
    name = ""
    for raw in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = raw.strip().removesuffix("\\").strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("--hash="):
            version, hashes = pins[name]
            pins[name] = (version, hashes + 1)
            continue
        requirement = Requirement(line)
        specs = list(requirement.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"requirements.lock: {line!r} is not an exact pin"
        name = canonicalize_name(requirement.name)
        pins[name] = (Version(specs[0].version), 0)
    return pins


# --- requirements.lock -------------------------------------------------------------------------


def test_the_lock_says_how_to_regenerate_it() -> None:
    header = (ROOT / "requirements.lock").read_text(encoding="utf-8").split("\n", 3)[:2]
    assert header[0].startswith("#") and LOCK_COMMAND in header[1], header
    # The README gives the same command, flags and all.
    command = header[1].lstrip("# ").strip()
    assert f"`{command}`" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("requirement", requirements(ROOT / "requirements.txt"), ids=str)
def test_every_requirement_is_pinned_within_its_range(requirement: Requirement) -> None:
    pins = locked()
    name = canonicalize_name(requirement.name)
    assert name in pins, f"{requirement.name} is not in requirements.lock: regenerate it ({LOCK_COMMAND} ...)"
    version, hashes = pins[name]
    assert requirement.specifier.contains(version, prereleases=True), (
        f"requirements.lock pins {name}=={version}, outside {requirement}: regenerate it"
    )
    assert hashes > 0, f"{name} has no --hash line (the Dockerfile installs with --require-hashes)"


def test_the_extras_are_locked_too() -> None:
    """streamlit[auth] needs Authlib and httpx at sign-in; the lock must hold what extras bring."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import requires as requires_of

    pins = locked()
    for requirement in requirements(ROOT / "requirements.txt"):
        if not requirement.extras:
            continue
        try:
            declared = [Requirement(r) for r in requires_of(requirement.name) or []]
        except PackageNotFoundError:
            pytest.skip(f"{requirement.name} is not installed here, so its extras cannot be read")
        for extra in requirement.extras:
            needed = [r for r in declared if r.marker is not None and r.marker.evaluate({"extra": extra})]
            assert needed, f"{requirement.name}[{extra}] brings nothing: is the extra's name right?"
            for dependency in needed:
                assert canonicalize_name(dependency.name) in pins, f"{dependency} ({requirement}) is not locked"
    assert "httpx" in pins and "authlib" in pins


def test_every_locked_package_is_an_exact_pin_with_hashes() -> None:
    pins = locked()
    assert len(pins) >= len(requirements(ROOT / "requirements.txt"))
    assert all(hashes > 0 for _, hashes in pins.values()), [n for n, (_, h) in pins.items() if not h]


# --- Dockerfile ----------------------------------------------------------------------------------


def test_the_image_is_python_311_on_debian_slim() -> None:
    (base,) = instruction("FROM")
    assert re.fullmatch(r"python:3\.11-slim(-bookworm)?", base), base


def test_the_image_installs_exactly_the_lock() -> None:
    assert any(args.split()[0] == "requirements.lock" for args in instruction("COPY"))
    installs = [args for args in instruction("RUN") if "pip install" in args]
    assert len(installs) == 1, installs
    words = installs[0].split()
    assert "-r" in words and words[words.index("-r") + 1] == "requirements.lock", installs[0]
    assert "--require-hashes" in words
    assert "requirements.txt" not in installs[0]


def test_the_app_runs_as_a_user_without_privileges() -> None:
    ops = dockerfile()
    users = [args for op, args in ops if op == "USER"]
    assert users and users[-1] not in ("root", "0") and not users[-1].startswith(("root:", "0:")), users
    last_user = max(i for i, (op, _) in enumerate(ops) if op == "USER")
    # Nothing after the switch runs as root, and the user exists and owns the data folder.
    assert all(op != "RUN" for op, _ in ops[last_user:])
    assert any("useradd" in args and args.split("&&")[0].split()[-1] == users[-1] for args in instruction("RUN"))
    assert any(re.search(rf"chown {users[-1]}(:{users[-1]})? /data\b", args) for args in instruction("RUN"))


def test_the_data_lives_on_a_volume() -> None:
    volumes = [v for args in instruction("VOLUME") for v in exec_form(args)]
    assert volumes == ["/data"]
    assert env()["SCRM_DB"] == "/data/scrm.db"


def test_blas_and_openmp_are_single_threaded() -> None:
    variables = env()
    assert variables["OPENBLAS_NUM_THREADS"] == "1"
    assert variables["OMP_NUM_THREADS"] == "1"


def test_the_health_check_asks_streamlits_health_route_without_curl() -> None:
    command = healthcheck_command()
    assert command[:2] == ["python", "-c"]
    assert HEALTH_URL in command[2]
    (args,) = instruction("HEALTHCHECK")
    assert re.search(r"--interval=\d+s", args) and re.search(r"--start-period=\d+s", args)


def test_the_image_serves_the_app_on_8501() -> None:
    assert instruction("EXPOSE") == ["8501"]
    (cmd,) = instruction("CMD")
    assert exec_form(cmd) == ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501"]


def test_the_image_copies_what_the_app_needs() -> None:
    copied: set[str] = set()
    for args in instruction("COPY"):
        words = [w for w in args.split() if not w.startswith("--")]
        copied.update(w.rstrip("/") for w in words[:-1])
    for needed in ("app.py", "pages", "scrm", "data", ".streamlit/config.toml", "LICENSE"):
        assert needed in copied, needed
        assert (ROOT / needed).exists(), needed
    assert ".streamlit" not in copied and "." not in copied, "copy named files: never secrets.toml"


def test_streamlit_settings_leave_the_address_and_port_to_the_command() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server = config.get("server", {})
    assert "address" not in server and server.get("port", 8501) == 8501, server
    assert server.get("baseUrlPath", "") == "", "the health check asks /_stcore/health at the root"


def test_the_build_context_leaves_out_databases_secrets_and_caches() -> None:
    patterns = [
        line.strip() for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]  # fmt: skip

    def ignored(path: str) -> bool:
        # Docker also leaves out everything under an ignored folder.
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        return any(fnmatch(prefix, pattern) for pattern in patterns for prefix in prefixes)

    for path in (".venv/bin/python", ".git/config", "data/scrm.db", "data/scrm.db-wal",
                 ".streamlit/secrets.toml", ".pytest_cache/v", ".mypy_cache/x", "scrm/__pycache__/a.pyc",
                 "tests/test_container.py"):  # fmt: skip
        assert ignored(path), path
    for path in ("app.py", "pages/overview.py", "scrm/cli.py", "data/scrm-icon.png", ".streamlit/config.toml",
                 "requirements.lock", "LICENSE", "README.md"):  # fmt: skip
        assert not ignored(path), path


# --- compose.yaml --------------------------------------------------------------------------------


def test_compose_runs_the_app_and_the_scorer_on_one_volume() -> None:
    spec = compose()
    services = spec["services"]
    assert set(services) == {"app", "scorer"}
    assert "scrm-data" in spec["volumes"]
    for name, service in services.items():
        assert "scrm-data:/data" in service["volumes"], name
        assert service["restart"] in ("unless-stopped", "always"), name
        assert service["build"] == "." and service["image"] == services["app"]["image"], name
        assert service.get("pull_policy") == "build", f"{name}: a local image is built, never pulled"


def test_compose_publishes_the_app_and_checks_its_health() -> None:
    app = compose()["services"]["app"]
    assert app["ports"] == ["8501:8501"]
    test = app["healthcheck"]["test"]
    assert test[0] == "CMD" and test[1:] == healthcheck_command()


def test_compose_mounts_the_secrets_read_only_into_the_users_streamlit_folder() -> None:
    app = compose()["services"]["app"]
    (mount,) = [v for v in app["volumes"] if "streamlit" in v]
    source, target, mode = mount.split(":")
    assert source == "./.streamlit" and mode == "ro"
    # Streamlit reads ~/.streamlit/secrets.toml: the home of the Dockerfile's user.
    user = instruction("USER")[-1]
    assert target == f"/home/{user}/.streamlit"
    assert any("--create-home" in args and "useradd" in args for args in instruction("RUN"))
    assert "scorer" not in [k for k, s in compose()["services"].items() if any("streamlit" in v for v in s["volumes"])]


def test_the_scorer_runs_the_score_command_in_a_loop_without_the_web_health_check() -> None:
    scorer = compose()["services"]["scorer"]
    command = scorer["command"]
    assert command[:2] == ["sh", "-c"]
    assert re.fullmatch(r"while true; do python -m scrm score; sleep \d+; done", command[2]), command
    assert scorer["healthcheck"] == {"disable": True}
    assert "ports" not in scorer


# --- what the image runs, run from the checkout -------------------------------------------------


def image_env(**extra: str) -> dict[str, str]:
    """This process's environment with the image's ENV, and the venv's python first on PATH."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return {**os.environ, **env(), "PATH": path, **extra}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scrm import demo
    from scrm.db import store

    path = tmp_path_factory.mktemp("container") / "scrm.db"
    db = store.open_db(path)
    try:
        demo.build_demo(db, scale="tiny")  # the CLI offers small and up; tiny keeps this quick
    finally:
        db.close()
    return path


def test_the_scoring_loop_scores_the_database_on_the_volume(demo_db: Path) -> None:
    from scrm.db import schema as S
    from scrm.db import store

    loop = compose()["services"]["scorer"]["command"][2]
    once = re.sub(r"sleep \d+", "break", loop)  # one turn of the loop, exactly its shell code
    done = subprocess.run(
        ["sh", "-c", once], cwd=ROOT, env=image_env(SCRM_DB=str(demo_db)),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    db = store.open_db(demo_db)
    try:
        scored = db.execute(f"SELECT count(*) FROM {S.SENTIMENT}").fetchone()[0]
        mentions = db.execute(f"SELECT count(*) FROM {S.MENTIONS}").fetchone()[0]
    finally:
        db.close()
    assert mentions > 0 and scored == mentions


def test_the_scoring_loop_waits_for_the_first_database(tmp_path: Path) -> None:
    missing = tmp_path / "scrm.db"
    done = subprocess.run(
        [sys.executable, "-m", "scrm", "score"], cwd=ROOT, env=image_env(SCRM_DB=str(missing)),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and done.stderr.startswith("error: No database"), done.stderr
    assert not missing.exists(), "the scorer must not create an empty database before the app's first start"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_healthcheck(port: int) -> subprocess.CompletedProcess[str]:
    command = [c.replace("127.0.0.1:8501", f"127.0.0.1:{port}") for c in healthcheck_command()]
    assert command[0] == "python"
    return subprocess.run([sys.executable, *command[1:]], capture_output=True, text=True, timeout=30)


class _Stub(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        body = b"ok" if self.path == "/_stcore/health" and self.status == 200 else b"no"
        self.send_response(self.status if self.path == "/_stcore/health" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def stub_server(status: int) -> Iterator[int]:
    handler = type("Handler", (_Stub,), {"status": status})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_the_health_check_follows_the_answer(status: int, healthy: bool) -> None:
    with stub_server(status) as port:
        done = run_healthcheck(port)
    assert (done.returncode == 0) is healthy, done.stderr


def test_the_health_check_fails_when_nothing_answers() -> None:
    assert run_healthcheck(free_port()).returncode != 0


@pytest.mark.slow
def test_the_images_command_serves_the_health_route(tmp_path: Path) -> None:
    """The CMD from the checkout (loopback and a free port instead of 0.0.0.0:8501), asked by the HEALTHCHECK."""
    (cmd,) = instruction("CMD")
    command = exec_form(cmd)
    assert command[0] == "streamlit"
    port = free_port()
    flags = {"--server.address=0.0.0.0": "--server.address=127.0.0.1", "--server.port=8501": f"--server.port={port}"}
    argv = [sys.executable, "-m", "streamlit", *(flags.get(word, word) for word in command[1:])]
    log = tmp_path / "streamlit.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=image_env(SCRM_DB=str(tmp_path / "scrm.db")), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 90  # an upper bound on a busy machine, never an expected time
        while run_healthcheck(port).returncode != 0:
            assert proc.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "no answer on /_stcore/health:\n" + log.read_text(errors="replace")
            time.sleep(0.5)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
    # Serving the health route starts no build: the database appears only when someone opens the app.
    assert not (tmp_path / "scrm.db").exists()


# --- a real build, where a daemon exists -------------------------------------------------------


def docker_skip_reason() -> str | None:
    docker = shutil.which("docker") or shutil.which("podman")
    if docker is None:
        return "neither docker nor podman is installed: the image is checked by reading its files only"
    try:
        info = subprocess.run([docker, "info"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"`{docker} info` failed ({e}): no container daemon to build with"
    if info.returncode != 0:
        return f"no container daemon answers `{Path(docker).name} info` here: the image is checked by reading its files"
    return None


@pytest.mark.slow
def test_the_image_builds_and_its_command_line_runs() -> None:
    reason = docker_skip_reason()
    if reason:
        pytest.skip(reason)
    docker = shutil.which("docker") or shutil.which("podman")
    assert docker is not None
    tag = "scrm:test-container"
    built = subprocess.run([docker, "build", "-t", tag, str(ROOT)], capture_output=True, text=True, timeout=1800)
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    try:
        ran = subprocess.run(
            [docker, "run", "--rm", tag, "sh", "-c", "id -u && python -m scrm --help"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.splitlines()[0] != "0", "the image runs as root"
        assert "score" in ran.stdout
    finally:
        subprocess.run([docker, "image", "rm", "-f", tag], capture_output=True, timeout=120)
