"""The Prometheus config and alert rules are valid, and every alert's unit test passes."""

import subprocess

from tests.ops.prometheus import CONFIG, ROOT, binary

RULES = ROOT / "deploy" / "prometheus" / "rules" / "tilmeld.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "tests" / "tilmeld_test.yml"
ALERTS = (
    "TilmeldDeadLettersIncreasing",
    "TilmeldConsumerLagGrowing",
    "TilmeldOutboxStuck",
    "TilmeldSmtpFailureRatio",
    "TilmeldServiceDown",
)


def promtool(*args: str) -> str:
    done = subprocess.run([binary("promtool"), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_config_and_rules_are_valid() -> None:
    assert "SUCCESS: 1 rule files found" in promtool("check", "config", str(CONFIG))
    assert f"SUCCESS: {len(ALERTS)} rules found" in promtool("check", "rules", str(RULES))


def test_every_alert_has_a_passing_unit_test() -> None:
    tests = RULE_TESTS.read_text("utf-8")
    for alert in ALERTS:
        assert f"alertname: {alert}" in tests, f"{alert} has no unit test"
        assert f"alert: {alert}" in RULES.read_text("utf-8")
    assert "SUCCESS" in promtool("test", "rules", str(RULE_TESTS))
