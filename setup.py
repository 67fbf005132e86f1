"""Build hook: the guided tour ships inside the package.

docs/guided-tour.md (and the screenshots it shows) stay the one copy in the repository; building a wheel
copies them to convstudio/resources/tour/, where Help ▸ Guided Tour finds them in an installed app.
Everything else about the build is declared in pyproject.toml.
"""
import re
import shutil
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

TOUR = Path(__file__).resolve().parent / "docs"


class BuildWithTour(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False) or not (TOUR / "guided-tour.md").is_file():
            return  # an editable install reads docs/ in the checkout; an sdist without docs has no tour
        target = Path(self.build_lib) / "convstudio" / "resources" / "tour"
        target.mkdir(parents=True, exist_ok=True)
        text = (TOUR / "guided-tour.md").read_text(encoding="utf-8")
        shutil.copy2(TOUR / "guided-tour.md", target / "guided-tour.md")
        for image in sorted(set(re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text))):  # only the images it shows
            (target / image).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(TOUR / image, target / image)


# resources/ (templates, schema, icons) sits beside convstudio/ in the repository and is installed as
# convstudio/resources/, where importlib.resources finds it (convstudio.io.resource_dir).
setup(cmdclass={"build_py": BuildWithTour},
      packages=find_packages(include=["convstudio*"]) + ["convstudio.resources"],
      package_dir={"convstudio.resources": "resources"},
      package_data={"convstudio.resources": ["**/*"]})
