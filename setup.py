"""The native fast path of ingest (services/ingest/native): optional, so a machine without a C compiler
still installs the product and files every return through the Python rules (slower, same answers)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "services.ingest._fastrows",
            sources=["services/ingest/native/fastrows.c"],
            depends=["services/ingest/native/sha256.h"],
            extra_compile_args=["-O2", "-std=c11", "-Wall", "-Wno-unused-function"],
            optional=True,
        )
    ]
)
