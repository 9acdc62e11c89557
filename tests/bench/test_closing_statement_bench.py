"""`bench.closing_statement` runs, and counts the round trips each way of claiming sends."""

import argparse
import re

import pytest

from bench import closing_statement


async def test_the_closing_statement_bench_counts_two_statements_against_five(
    capsys: pytest.CaptureFixture[str],
) -> None:
    await closing_statement.run(argparse.Namespace(batches=3, size=4, rounds=2))
    lines = capsys.readouterr().out.splitlines()
    statements = {
        m[1]: float(m[2])
        for line in lines
        if (m := re.search(r"(claim first|claim last) .* statements ([\d.]+)", line))
    }
    # claim first: BEGIN, the claim, prepare's read, the closing statement, COMMIT
    assert statements == {"claim first": 5.0, "claim last": 2.0}
