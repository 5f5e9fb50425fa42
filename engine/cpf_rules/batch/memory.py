"""Keep the memory the batch kernel frees inside the process, so the next columns reuse it (glibc).

Pipeline position: called once per process by ``cpf batch`` before its first chunk
(:func:`~cpf_rules.batch.job.process_chunk`, in the process or on each Dask worker).
The kernel itself never calls it: a program that embeds :class:`BatchEvaluation`
decides whether its malloc settings change, and calls :func:`retain_freed_memory`.
The kernel allocates and frees hundreds of column-sized arrays per chunk (800 kB each
for 100,000 holders). By default glibc serves blocks of 128 kB and more with ``mmap``
and trims the top of its heap as soon as a few MB are free, so every chunk faults its
pages in again from the kernel: on the benchmark workload that is about 40 % of the
kernel's time. :func:`retain_freed_memory` raises both thresholds (``mallopt``), so
freed columns are reused by the next ones. Peak memory is unchanged (it is the largest
chunk's working set either way); the process simply does not shrink below it before
it exits. It does nothing on other C libraries, or when the environment variable
``CPF_BATCH_RETAIN_MEMORY`` is ``0``.
"""

from __future__ import annotations

import ctypes
import functools
import os
import platform

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
"""``mallopt`` parameters (glibc ``malloc.h``)."""

MMAP_THRESHOLD = 32 * 2**20
"""Blocks served by ``mmap`` (then unmapped when freed): above the largest column of a chunk."""

TRIM_THRESHOLD = 256 * 2**20
"""Free memory kept at the top of the heap: a chunk's columns with room to spare."""


@functools.cache
def retain_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds, once per process; whether it was done."""
    if os.environ.get("CPF_BATCH_RETAIN_MEMORY", "1") == "0" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
