"""Every problem in an event definition file is reported with the line it comes from."""

import textwrap

from tilmeld_cli.definition_check import Problem, check

VALID = textwrap.dedent("""\
    id: test-konference
    kind: conference
    title: Testkonference
    organiser: KL
    venue:
      name: Odeon
      address: Odeons Kvarter 1, 5000 Odense C
    starts_at: 2023-10-03T09:00:00+02:00
    ends_at: 2023-10-03T15:30:00+02:00
    capacity: 600
    rounds:
      - id: runde-1
        starts_at: 2023-10-03T11:15:00+02:00
        ends_at: 2023-10-03T12:15:00+02:00
        sessions:
          - id: temamoede-1
            title: Tidligt samarbejde med forældre på deres arena
            capacity: 80
          - {id: temamoede-2, title: En levende evalueringskultur i dagplejen, capacity: 80}
    """)


def problems(text: str) -> list[tuple[int, str | None]]:
    result = check(text)
    assert result.definition is None
    return [(p.line, p.path) for p in result.problems]


def replace(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new)


def test_a_valid_file_gives_the_definition_and_no_problems() -> None:
    result = check(VALID)
    assert result.problems == []
    assert result.definition is not None
    assert result.definition.rounds[0].sessions[1].id == "temamoede-2"


def test_a_missing_field_points_at_the_mapping_that_lacks_it() -> None:
    assert problems(replace("title: Testkonference\n", "")) == [(1, "title")]
    nested = replace("    ends_at: 2023-10-03T12:15:00+02:00\n", "")
    assert problems(nested) == [(12, "rounds[0].ends_at")]


def test_a_wrong_type_points_at_its_line_and_shows_the_input() -> None:
    result = check(replace("        capacity: 80\n", "        capacity: mange\n"))
    assert [(p.line, p.path) for p in result.problems] == [(18, "rounds[0].sessions[0].capacity")]
    assert "valid integer" in result.problems[0].message
    assert "(got 'mange')" in result.problems[0].message


def test_a_wrong_type_in_a_flow_mapping_points_at_its_line() -> None:
    text = replace("capacity: 80}", "capacity: [80]}")
    assert problems(text) == [(19, "rounds[0].sessions[1].capacity")]


def test_unknown_keys_are_errors_at_their_line_with_a_suggestion() -> None:
    text = replace("  address:", "  adress:").replace("capacity: 600", "capacity: 600\ncolour: red")
    result = check(text)
    assert [(p.line, p.path) for p in result.problems] == [(7, "venue.adress"), (11, "colour")]
    assert result.problems[0].message == "unknown field; did you mean 'address'?"
    assert result.problems[1].message == "unknown field"


def test_unknown_keys_are_found_deep_in_lists() -> None:
    text = replace("capacity: 80}", "capacity: 80, rum: A}")
    assert problems(text) == [(19, "rounds[0].sessions[1].rum")]


def test_a_date_without_time_or_offset_is_a_bad_datetime() -> None:
    result = check(replace("ends_at: 2023-10-03T15:30:00+02:00", "ends_at: 2023-10-03"))
    assert [(p.line, p.path) for p in result.problems] == [(9, "ends_at")]
    assert "timezone" in result.problems[0].message


def test_an_impossible_date_is_a_bad_datetime() -> None:
    text = replace("starts_at: 2023-10-03T09:00", "starts_at: 2023-02-30T09:00")
    assert problems(text) == [(8, "starts_at")]


def test_a_yaml_syntax_error_has_its_line() -> None:
    result = check(replace("kind: conference", "kind: conference: x"))
    assert [(p.line, p.path) for p in result.problems] == [(2, None)]
    assert result.problems[0].message == "YAML syntax error: mapping values are not allowed here"


def test_an_unclosed_quote_names_the_line_where_it_began() -> None:
    result = check(replace("title: Testkonference", 'title: "Testkonference'))
    assert len(result.problems) == 1
    assert "(while scanning a quoted scalar from line 3)" in result.problems[0].message


def test_a_duplicate_key_is_a_syntax_error_at_the_second_one() -> None:
    result = check(VALID + "capacity: 700\n")
    assert [(p.line, p.path) for p in result.problems] == [(20, None)]
    assert "duplicate key" in result.problems[0].message


def test_a_model_rule_points_at_the_field_it_names() -> None:
    text = replace("ends_at: 2023-10-03T15:30", "ends_at: 2023-10-03T08:30")
    assert problems(text) == [(9, "ends_at")]


def test_a_rule_about_one_item_points_at_the_item() -> None:
    text = replace("    ends_at: 2023-10-03T12:15", "    ends_at: 2023-10-03T10:15")
    assert problems(text) == [(12, "rounds[0]")]


def test_a_rule_naming_an_item_after_a_word_points_at_the_item() -> None:
    text = replace("- {id: temamoede-2,", "- {id: temamoede-1,")
    result = check(text)
    assert [(p.line, p.path) for p in result.problems] == [(12, "rounds[0]")]
    assert "unique within a round" in result.problems[0].message


def test_a_numeric_unknown_key_is_not_shown_as_an_index() -> None:
    assert problems(VALID + "1: x\n") == [(20, "1")]
    assert problems(replace("  name: Odeon", "  name: Odeon\n  2: x")) == [(7, "venue.2")]


def test_a_file_that_is_not_a_mapping_is_one_problem_at_line_1() -> None:
    for text in ("", "- a\n- b\n", "just text\n"):
        assert problems(text) == [(1, None)]


def test_problems_render_as_file_line_path_message() -> None:
    assert Problem(7, "venue.adress", "unknown field").render("x.yaml") == (
        "x.yaml:7: venue.adress: unknown field"
    )
    assert Problem(3, None, "YAML syntax error: boom").render("x.yaml") == (
        "x.yaml:3: YAML syntax error: boom"
    )
