"""The front ends built from web/<name>/ (scripts/build_web.sh) are served at /static/<name>/.

A bundle that has not been built is simply not mounted: the API works without Node.js, and the
pages that need a bundle say so (see `bundle_ready`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

WEB_DIR = Path(__file__).resolve().parents[2] / "web"


def bundle_dir(name: str) -> Path:
    return WEB_DIR / name / "dist"


def bundle_ready(name: str) -> bool:
    return (bundle_dir(name) / "index.html").is_file() or any(bundle_dir(name).glob("*.js"))


def mount_web_bundles(app: FastAPI) -> None:
    if not WEB_DIR.is_dir():
        return
    for project in sorted(p for p in WEB_DIR.iterdir() if (p / "package.json").is_file()):
        dist = project / "dist"
        if dist.is_dir():
            app.mount(f"/static/{project.name}", StaticFiles(directory=dist), name=f"web-{project.name}")
