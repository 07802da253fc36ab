"""Fixtures for calling HCL functions by name in a scratch directory with a fixed clock."""

from datetime import UTC, datetime

import pytest

from builds.engine.hcl.functions import FUNCTIONS, FunctionContext, FunctionError

FIXED_NOW = datetime(2026, 11, 21, 15, 4, 5, 123456, tzinfo=UTC)


@pytest.fixture
def ctx(tmp_path):
    return FunctionContext(cwd=tmp_path, now=lambda: FIXED_NOW)


@pytest.fixture
def call(ctx):
    """Call a function by name with positional arguments and return its result."""

    def call_function(name, *args):
        return FUNCTIONS[name].call(ctx, list(args))

    return call_function


@pytest.fixture
def call_error(ctx):
    """Call a function that must fail; return (detail, arg_index) of its FunctionError."""

    def call_failing(name, *args):
        with pytest.raises(FunctionError) as info:
            FUNCTIONS[name].call(ctx, list(args))
        return info.value.detail, info.value.arg_index

    return call_failing
