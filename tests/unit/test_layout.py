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
    modules = [f"models.{path.stem}" for path in (ROOT / "models").glob("*.py") if path.stem != "__init__"]
    code = f"import sys; import {', '.join(modules)}; print([m for m in sys.modules if m.startswith('flask')])"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_instance_folder_holds_only_gitkeep_in_git():
    tracked = subprocess.run(["git", "ls-files", "instance"], cwd=ROOT, capture_output=True, text=True).stdout
    assert tracked.split() == ["instance/.gitkeep"]


def calls_in(path: Path) -> dict[str, set[str]]:
    """{function name: names it calls} for one module."""
    tree = ast.parse(path.read_text())
    found: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names = set()
            for call in ast.walk(node):
                if isinstance(call, ast.Call):
                    func = call.func
                    names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
            found[node.name] = names
    return found


def test_only_one_function_reads_answers_for_disclosure():
    """Decrypting answers and deciding disclosure happen in disclosures.disclosed_rows; the one
    other reader of answers is the respondent's own view of them. The consent receipt asks the
    rule what the respondent's choices allow, and reads no answers. (The receipt page opens the one
    thing sealed for the browser itself: its receipt code, never an answer.)"""
    readers = {}
    for path in (ROOT / "surveys").rglob("*.py"):
        for function, names in calls_in(path).items():
            if names & {"open_sealed", "open_answers", "decide", "decide_classes", "unwrap"}:
                readers[f"{path.relative_to(ROOT)}:{function}"] = sorted(
                    names & {"open_sealed", "open_answers", "decide", "decide_classes", "unwrap"})
    assert readers == {
        "surveys/disclosures.py:_decisions": ["decide_classes"],
        "surveys/disclosures.py:disclosed_rows": ["open_answers"],
        "surveys/pseudonyms.py:respondent_key": ["unwrap"],
        "surveys/consent_receipts.py:_purposes": ["decide_classes"],
        "surveys/rights.py:own_answers": ["open_answers"],
        "surveys/submissions.py:receipt_once": ["open_sealed"],
    }
