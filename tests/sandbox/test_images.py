"""The datasci and browser runtime images do what the contract promises (slow: they build the images)."""

from __future__ import annotations

import json

import docker
import pytest

from sandbox import Limits, Outcome, RunSpec, run
from tests.sandbox.conftest import SESSION_LABELS, leftovers

pytestmark = pytest.mark.docker

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Churn"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": [
            "import pandas as pd, numpy as np, matplotlib.pyplot as plt\n",
            "from sklearn.linear_model import LinearRegression\n",
            "df = pd.DataFrame({'x': np.arange(10), 'y': np.arange(10) * 2.0})\n",
            "model = LinearRegression().fit(df[['x']], df['y'])\n",
            "print(round(model.coef_[0], 3))\n",
            "df.plot(x='x', y='y'); plt.show()\n",
        ]},
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}

ROOMY = Limits(memory_mb=1024, pids=256, timeout_s=90, tmpfs_mb=128, work_mb=32)


def test_datasci_notebook_executes_into_html_and_png(datasci_image: str, docker_client: docker.DockerClient) -> None:
    spec = RunSpec(image=datasci_image, command=("cp-notebook", "analysis.ipynb"),
                   files={"analysis.ipynb": json.dumps(NOTEBOOK).encode()}, limits=ROOMY, labels=SESSION_LABELS)
    result = run(spec, client=docker_client)
    assert result.outcome == Outcome.passed, result
    assert [c.name for c in result.checks] == ["notebook_runs"]
    html = result.artifacts["analysis.html"].decode()
    assert "2.0" in html and "<html" in html.lower()
    pngs = [name for name in result.artifacts if name.endswith(".png")]
    assert pngs and all(result.artifacts[p].startswith(b"\x89PNG") for p in pngs)
    assert leftovers(docker_client) == []


def test_datasci_failing_notebook_still_gives_html(datasci_image: str, docker_client: docker.DockerClient) -> None:
    broken = dict(NOTEBOOK, cells=[{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                                    "source": ["raise ValueError('bad data')"]}])
    spec = RunSpec(image=datasci_image, command=("cp-notebook", "analysis.ipynb"),
                   files={"analysis.ipynb": json.dumps(broken).encode()}, limits=ROOMY, labels=SESSION_LABELS)
    result = run(spec, client=docker_client)
    assert result.outcome == Outcome.failed
    assert "bad data" in result.checks[0].message
    assert "bad data" in result.artifacts["analysis.html"].decode()


PAGE = b"""<!doctype html><html><head><meta name="viewport" content="width=device-width">
<style>body{margin:0;background:#2a6} .box{width:100%;height:200px;background:#fff}</style></head>
<body><div class="box">Checkout</div></body></html>"""


def test_browser_screenshots_at_two_widths(browser_image: str, docker_client: docker.DockerClient) -> None:
    spec = RunSpec(image=browser_image, command=("cp-screenshot", "index.html"), files={"index.html": PAGE},
                   limits=ROOMY, labels=SESSION_LABELS)
    result = run(spec, client=docker_client)
    assert result.outcome == Outcome.passed, result
    assert sorted(result.artifacts) == ["index-desktop.png", "index-phone.png"]
    widths = {}
    for name, data in result.artifacts.items():
        assert data.startswith(b"\x89PNG")
        widths[name] = int.from_bytes(data[16:20], "big")  # IHDR width
    assert widths == {"index-desktop.png": 1280, "index-phone.png": 390}
    assert leftovers(docker_client) == []


def test_browser_image_runs_pytest_too(browser_image: str, docker_client: docker.DockerClient) -> None:
    check = b"import shutil\n\ndef test_chromium_present():\n    assert shutil.which('chromium')\n"
    spec = RunSpec(image=browser_image, case_files={"checks/visible/test_c.py": check}, limits=ROOMY,
                   labels=SESSION_LABELS)
    result = run(spec, client=docker_client)
    assert result.outcome == Outcome.passed, result
