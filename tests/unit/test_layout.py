import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_models_never_import_flask():
    offenders = {
        str(path.relative_to(ROOT)): sorted(name for name in imported_modules(path)
                                            if name.split(".")[0].startswith(("flask", "werkzeug", "surveys")))
        for path in (ROOT / "models").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_importing_every_model_module_loads_no_flask():
    modules = [".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
               for path in (ROOT / "models").rglob("*.py") if "migrations" not in path.parts]
    code = f"import sys; import {', '.join(modules)}; print([m for m in sys.modules if m.startswith('flask')])"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_instance_folder_holds_only_gitkeep_in_git():
    tracked = subprocess.run(["git", "ls-files", "instance"], cwd=ROOT, capture_output=True, text=True).stdout
    assert tracked.split() == ["instance/.gitkeep"]


#: The use cases: plain functions over a session and plain values, never HTTP.
USE_CASES = ["accounts", "auth", "batch_writer", "catalogue", "clients", "consent_receipts", "disclosures", "drafts",
             "errors", "exports", "export_files", "export_jobs",
             "installation",
             "notices", "pseudonyms", "recipients", "recording", "results", "revocations", "rights", "rotation",
             "self_service", "snapshots", "staff", "submissions", "versions", "access", "authoring", "review",
             "counting", "counts", "tallies", "releases", "respondent_releases", "erasure", "retention", "previews"]


def test_use_case_modules_never_import_flask():
    code = (f"import sys; import {', '.join(f'surveys.{name}' for name in USE_CASES)}; "
            "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('flask', 'werkzeug'))}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_every_surveys_module_is_a_use_case_or_an_http_module():
    """A new module is placed on purpose: among the use cases (and so checked above), or named here."""
    http = {"__init__", "benchmark", "charts", "cli", "config", "db", "http_errors", "inputs", "jobs", "keys",
            "languages", "ratelimit", "security", "signin", "web"}
    packages = {path.parent.name for path in (ROOT / "surveys").glob("*/__init__.py")}
    blueprints = {"api", "researcher", "respond"}
    assert {path.stem for path in (ROOT / "surveys").glob("*.py")} | (packages - blueprints) == set(USE_CASES) | http


#: What opens answers or decides their disclosure, by the module that defines it.
READERS = {"models.crypto": {"open_answers", "open_sealed", "unwrap"},
           "models.disclosure": {"decide", "decide_classes"}}
#: The encrypted columns, read straight from a table or a row.
ENCRYPTED = {"pii", "spi", "data_key"}


def readers_in(path: Path) -> dict[str, set[str]]:
    """{function: what it uses of READERS or ENCRYPTED}, seeing through `import … as …`, module
    aliases (`from models import crypto as c; c.open_answers`) and attribute access on any object."""
    tree = ast.parse(path.read_text())
    aliases: dict[str, str] = {}   # local name -> the reader it stands for
    modules: dict[str, str] = {}   # local name -> module
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            for alias in node.names:
                if alias.name in READERS.get(node.module or "", ()):
                    aliases[alias.asname or alias.name] = alias.name
                full = f"{node.module}.{alias.name}"
                if full in READERS:
                    modules[alias.asname or alias.name] = full
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in READERS:
                    modules[alias.asname or alias.name] = alias.name
    found: dict[str, set[str]] = {}
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        used = set()
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and node.id in aliases:
                used.add(aliases[node.id])
            elif isinstance(node, ast.Attribute):
                owner = node.value.id if isinstance(node.value, ast.Name) else None
                if owner in modules and node.attr in READERS[modules[owner]]:
                    used.add(node.attr)
                elif node.attr in {"unwrap", "open_answers", "open_sealed", "decide", "decide_classes"}:
                    used.add(node.attr)
                elif node.attr in ENCRYPTED:
                    used.add(f".{node.attr}")
            elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
                    and node.slice.value in ENCRYPTED:
                used.add(f".{node.slice.value}")
        if used:
            found[function.name] = used
    return found


def test_only_one_function_reads_answers_for_disclosure():
    """Decrypting answers and deciding disclosure happen in disclosures.disclosed_rows, in its two steps: read_rows
    reads the sealed columns, Opener.open_rows opens what the rule admits (in a worker process too); the respondent's
    own record is the one other reader of answers (rights.own_answers), and the writers of blobs
    (submission, correction, rotation) touch ciphertext without opening it. The consent receipt
    asks the rule what the choices allow, and reads no answers; the receipt page opens the one
    thing sealed for the browser itself: its receipt code, never an answer; a draft is opened only
    for the browser that holds its token or resume code, and never reaches a disclosure; an export's own sealed file
    holds only what disclosed_rows gave, and its key is unwrapped to write it and to send it to who asked for it. Kept
    tallies are counted from opened answers (counting._count_sealed), which decides nothing: what a release
    takes of the counts is decided by disclosed_rows' own plans (releases.admitted), and a kept tally's
    key opens only counts (tallies._open) or is re-wrapped (rotation.rewrap_tally_keys)."""
    readers = {}
    for path in (ROOT / "surveys").rglob("*.py"):
        for function, used in readers_in(path).items():
            readers[f"{path.relative_to(ROOT)}:{function}"] = sorted(used)
    assert readers == {
        "surveys/disclosures.py:_decisions": ["decide_classes"],
        "surveys/disclosures.py:read_rows": [".data_key", ".pii", ".spi"],
        "surveys/disclosures.py:open_rows": ["open_answers"],
        "surveys/pseudonyms.py:respondent_key": ["unwrap"],
        "surveys/consent_receipts.py:_purposes": ["decide_classes"],
        "surveys/rights.py:own_answers": [".data_key", ".pii", ".spi", "open_answers"],
        "surveys/rights.py:update_answers": [".data_key", ".pii", ".spi"],
        "surveys/submissions.py:_store": [".data_key", ".pii", ".spi"],
        "surveys/submissions.py:receipt_once": ["open_sealed"],
        "surveys/rotation.py:rewrap_data_keys": [".data_key"],
        "surveys/drafts.py:_opened": [".data_key", "open_sealed", "unwrap"],
        "surveys/drafts.py:save_draft": [".data_key"],
        "surveys/rotation.py:rewrap_draft_keys": [".data_key"],
        "surveys/export_jobs.py:run": [".data_key", "unwrap"],
        "surveys/export_jobs.py:download": [".data_key", "unwrap"],
        "surveys/rotation.py:rewrap_export_keys": [".data_key"],
        "surveys/counting.py:_count_sealed": [".data_key", ".pii", ".spi", "open_answers"],
        "surveys/tallies.py:_open": [".data_key"],
        "surveys/rotation.py:rewrap_tally_keys": [".data_key"],
    }


def test_the_guard_sees_through_aliases_and_raw_columns(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("from models.crypto import open_answers as oa\nfrom models import crypto as c\n"
                      "def a(r): return oa(r)\ndef b(r): return c.open_sealed(r)\n"
                      "def d(t): return select(t.c.spi)\ndef e(t): return t.c['pii']\n")
    assert readers_in(sneaky) == {"a": {"open_answers"}, "b": {"open_sealed"}, "d": {".spi"}, "e": {".pii"}}
