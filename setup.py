"""The native fast paths: ingest's row checks (services/ingest/native), the Avro reader of event records and
the COPY text formatter (services/common/native). Optional, so a machine without a C compiler still installs
the product and runs everything through Python (slower, same answers)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "services.ingest._fastrows",
            sources=["services/ingest/native/fastrows.c"],
            depends=["services/ingest/native/sha256.h"],
            extra_compile_args=["-O2", "-std=c11", "-Wall", "-Wno-unused-function"],
            optional=True,
        ),
        Extension(
            "services.common._avrodecode",
            sources=["services/common/native/avrodecode.c"],
            extra_compile_args=["-O2", "-std=c11", "-Wall"],
            optional=True,
        ),
        Extension(
            "services.common._copytext",
            sources=["services/common/native/copytext.c"],
            extra_compile_args=["-O2", "-std=c11", "-Wall"],
            optional=True,
        ),
    ]
)
