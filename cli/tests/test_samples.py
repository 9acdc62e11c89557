"""The sample event definitions in deploy/sample validate and say what the seeds say."""

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from tilmeld_cli.definition_check import check
from tilmeld_contracts.catalog.v1 import EventDefinition
from tilmeld_contracts.signups.v1 import SignupRequested

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "deploy" / "sample"
SAMPLES = sorted(SAMPLE_DIR.glob("*.yaml"))


def load(name: str) -> EventDefinition:
    result = check((SAMPLE_DIR / name).read_text(encoding="utf-8"))
    assert result.definition is not None, result.problems
    return result.definition


def test_there_are_five_samples() -> None:
    assert len(SAMPLES) == 5


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_every_sample_validates_and_is_named_after_its_id(
    path: Path, tilmeld: Callable[..., Result]
) -> None:
    result = tilmeld("events", "validate", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{path.stem} (")
    definition = load(path.name)
    assert definition.id == path.stem
    assert definition.registration.opens_at is None  # open window: the seeds lie in the past
    assert definition.registration.closes_at is None


def test_stuk_conference_holds_the_five_theme_meetings_in_two_rounds() -> None:
    stuk = load("stuk-dagtilbud-2023.yaml")
    assert (stuk.kind, stuk.capacity) == ("conference", 600)
    assert stuk.venue is not None and stuk.venue.address == "Odeons Kvarter 1, 5000 Odense C"
    assert [(r.id, f"{r.starts_at:%H:%M}", f"{r.ends_at:%H:%M}") for r in stuk.rounds] == [
        ("runde-1", "11:15", "12:15"),
        ("runde-2", "13:15", "14:15"),
    ]
    for round_ in stuk.rounds:
        assert [s.id for s in round_.sessions] == [f"temamoede-{n}" for n in range(1, 6)]
    assert stuk.rounds[0].sessions[0].title == "Tidligt samarbejde med forældre på deres arena"
    assert stuk.description and "Tilsynsrejseholdet" in stuk.description


def test_the_contract_sign_up_example_fits_the_stuk_sample() -> None:
    stuk = load("stuk-dagtilbud-2023.yaml")
    signup = SignupRequested.model_validate(
        {
            "event_id": "stuk-dagtilbud-2023",
            "attendee": {
                "name": "Mette Hansen",
                "email": "mette@aarhus.dk",
                "organisation": "Aarhus Kommune",
                "municipality_code": "751",
                "job_title": "Pædagogisk leder",
                "language": "da",
            },
            "choices": {"runde-1": ["temamoede-3", "temamoede-1"], "runde-2": ["temamoede-5"]},
        }
    )
    sessions = stuk.sessions_by_round()
    assert signup.event_id == stuk.id
    for round_id, picks in signup.choices.items():
        assert set(picks) <= set(sessions[round_id])


def test_kl_conference_names_sessions_1_2_and_7_from_the_seed() -> None:
    kl = load("kl-dagtilbudskonference-2024.yaml")
    assert f"{kl.starts_at:%Y-%m-%d}" == "2024-05-29"
    assert kl.venue is not None and kl.venue.name == "Odeon"
    assert kl.capacity is not None and kl.capacity > 550
    titles = {s.id: s.title for s in kl.rounds[0].sessions}
    assert titles["session-1"] == "Rekruttering og kapacitetsopbygning i dagtilbud"
    assert titles["session-2"] == "Kvalitetsudvikling i dagplejen"
    assert titles["session-7"] == "Læringslighed og social mobilitet i dagtilbud"


def test_network_on_economy_and_quality() -> None:
    net = load("kl-netvaerk-oekonomi-kvalitet.yaml")
    assert net.kind == "network" and len(net.meetings) == 5
    assert (net.fee.amount_dkk, net.fee.per) == (45000, "organisation")
    assert net.per_organisation.max == 5


def test_partnership_on_quality_has_five_meetings_over_two_years() -> None:
    partnership = load("kl-partnerskab-kvalitet.yaml")
    assert partnership.kind == "network" and len(partnership.meetings) == 5
    assert (partnership.ends_at - partnership.starts_at).days <= 2 * 366


def test_strong_child_communities_meets_first_and_last_in_person() -> None:
    partnership = load("partnerskab-staerke-boernefaellesskaber.yaml")
    assert (partnership.per_organisation.min, partnership.per_organisation.max) == (3, 5)
    assert [m.mode for m in partnership.meetings] == ["physical", "online", "online", "physical"]
    assert all(m.location for m in partnership.meetings if m.mode == "physical")
    assert all(
        (m.online_url or "").startswith("https://teams.microsoft.com/")
        for m in partnership.meetings
        if m.mode == "online"
    )
