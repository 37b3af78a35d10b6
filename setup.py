"""The wheel carries what the portal needs to run beside its Python files: templates, static assets and migrations
(copied into portal/_files/ at build time), and the data files inside the packages (package-data in pyproject.toml).
Everything else about the package is in pyproject.toml."""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithFiles(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "portal" / "_files"
        shutil.rmtree(target, ignore_errors=True)  # a build folder left from before keeps no removed file
        for name in ("templates", "static", "migrations"):
            shutil.copytree(HERE / name, target / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithFiles})
