"""Batch evaluation over populations: a vectorised NumPy kernel, streaming I/O, Dask scale-out.

Pipeline position: beside the scalar engine. ``population`` turns validated facts
into columns, ``kernel`` evaluates a question over them with exact integer
arithmetic (``vectors``; ``columns`` reads inputs and parameters, ``operators``
combines operands, ``aggregates`` reduces list items per holder, ``errors`` says
what is not vectorised; ``memory`` lets freed columns be reused without page
faults), ``run`` sends every row the kernel cannot answer exactly to the compiled
scalar engine, ``io`` streams JSONL/Parquet in and writes atomically (``atomic_io``),
``rows`` reads each input row as ``cpf evaluate`` reads a facts file, ``columnar``
reads a Parquet chunk by its Arrow columns (``arrow_rows`` and ``arrow_values`` prove
rows valid against the facts schema; any other row goes through ``rows``),
``answers`` writes the answers' JSON form, and ``job`` drives ``cpf batch`` locally
or on Dask. Needs the ``batch`` extra
(``pip install 'cpf-rules[batch]'``: numpy, pyarrow, dask[distributed], tqdm).
"""
