"""The native fast path is optional, but where a C compiler exists `make install` must have built it: a
silently failed build would leave every filing on the (much slower) Python path."""

import shutil
import sysconfig

import pytest

from services.ingest import fastrows


@pytest.mark.skipif(
    shutil.which((sysconfig.get_config_var("CC") or "cc").split()[0]) is None,
    reason="no C compiler on this machine: the Python rules check every row",
)
def test_the_native_module_is_built_where_a_c_compiler_exists():
    assert fastrows.available(), "services/ingest/_fastrows was not built: run `make install` and read its output"
