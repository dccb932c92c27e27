"""What every process pays to load the app: scikit-learn (about 100 MB) is imported only where a model is fitted,
loaded or comments are clustered, so a web worker or a million-row export starts at about 90 MB, not 180."""

import subprocess
import sys

from django.conf import settings

HEAVY = ("sklearn", "scipy")


def test_loading_the_app_and_every_url_imports_no_scikit_learn():
    script = (
        "import sys, django; django.setup(); "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        "import cxprogram.celery; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules) or 'none')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
        env={"DJANGO_SETTINGS_MODULE": "cxprogram.settings.test", "PATH": "/usr/bin:/bin"},
    )
    assert result.stdout.strip().splitlines()[-1] == "none"
