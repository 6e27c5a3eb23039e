"""The built wheel, installed into a fresh venv beside another package that ships a top-level `screens`.

The wheel once installed a generic top-level `screens`: a package shipping `screens/help.py` silently replaced
ours and the app crashed on start; uninstalling it deleted our `screens/__init__.py`. Now the wheel installs one
top-level name, `eventtia_tui`. The fresh venv sees this test venv's site-packages through a .pth (after its own),
so nothing is downloaded: only the wheel and the other package are installed into it, without dependencies.
"""

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

OTHER_HELP = 'WHO = "another package"\n'
IMPORT_EVERY_MODULE = """
import importlib, pkgutil, sys
import eventtia_tui, screens.help
names = sorted(info.name for info in pkgutil.walk_packages(eventtia_tui.__path__, "eventtia_tui."))
for name in names:
    if name != "eventtia_tui.__main__":  # it runs the command line: `eventtia-tui --version` stands for it
        importlib.import_module(name)
print(eventtia_tui.__file__)
print(screens.help.WHO)
print(len(names))
"""


def run(*command, cwd: Path) -> str:
    env = {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def build_wheel(out: Path) -> Path:
    """With hatchling from this venv (the [test] extra): no build isolation, no download."""
    name = run(sys.executable, "-c", f"from hatchling.build import build_wheel; print(build_wheel({str(out)!r}))",
               cwd=ROOT).strip().splitlines()[-1]
    return out / name


def other_package(where: Path) -> Path:
    """A package that ships its own top-level `screens`, with a `help.py`."""
    (where / "screens").mkdir(parents=True)
    (where / "screens" / "__init__.py").write_text("")
    (where / "screens" / "help.py").write_text(OTHER_HELP)
    (where / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
        '[project]\nname = "other-screens"\nversion = "1.0"\n'
        '[tool.hatch.build.targets.wheel]\npackages = ["screens"]\n')
    return where


def fresh_venv(where: Path) -> Path:
    """A venv without pip whose site-packages come before this venv's (seen through a .pth, not copied)."""
    run(sys.executable, "-m", "venv", "--without-pip", str(where), cwd=where.parent)
    python = where / "bin" / "python"
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=where).strip()
    (Path(purelib) / "test_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def pip(python: Path, *arguments: str, cwd: Path) -> None:
    run(sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check", *arguments, cwd=cwd)


def test_the_wheel_installs_one_name_and_runs_beside_another_screens_package(tmp_path):
    wheel = build_wheel(tmp_path / "dist")
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert tops == {"eventtia_tui", "-".join(wheel.name.split("-")[:2]) + ".dist-info"}  # eventtia_tui-0.1.0.dist-info

    python = fresh_venv(tmp_path / "venv")
    other = other_package(tmp_path / "other")
    install = ("install", "--no-deps", "--no-build-isolation", "--no-index", "--quiet")
    pip(python, *install, str(other), cwd=tmp_path)
    pip(python, *install, str(wheel), cwd=tmp_path)

    command = tmp_path / "venv" / "bin" / "eventtia-tui"
    assert run(command, "--version", cwd=tmp_path).split() == ["eventtia-tui", "0.1.0"]
    installed, who, count = run(python, "-c", IMPORT_EVERY_MODULE, cwd=tmp_path).split("\n")[:3]
    assert Path(installed).is_relative_to(tmp_path / "venv"), f"{installed}: not the installed wheel"
    assert who == "another package", "the other package's screens/help.py was replaced"
    assert int(count) > 100

    pip(python, "uninstall", "--yes", "--quiet", "other-screens", cwd=tmp_path)  # takes nothing of ours with it
    assert run(command, "--version", cwd=tmp_path).split() == ["eventtia-tui", "0.1.0"]
    assert run(python, "-c", "import eventtia_tui.app, eventtia_tui.screens.help; print('ok')", cwd=tmp_path) == "ok\n"
