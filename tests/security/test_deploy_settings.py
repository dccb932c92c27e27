"""Production without its public address would e-mail customers links to http://127.0.0.1:8000: it refuses to start
without SITE_URL, and `check --deploy` refuses one that is not the public https:// address."""

import pytest

from tests.cxprogram.test_settings import PRODUCTION, run_manage


def test_production_refuses_to_start_without_site_url():
    env = {k: v for k, v in PRODUCTION.items() if k != "SITE_URL"}
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "SITE_URL must be set: links in e-mails and API answers need the site's address" in result.stderr


@pytest.mark.parametrize("site_url", ["http://cx.example.com", "https://127.0.0.1:8000"])
def test_check_deploy_refuses_a_site_url_that_is_not_public_https(site_url):
    result = run_manage("check", "--deploy", **{**PRODUCTION, "SITE_URL": site_url})
    assert result.returncode != 0
    assert f"(cxprogram.E001) SITE_URL='{site_url}' is not the site's public https:// address." in result.stderr
