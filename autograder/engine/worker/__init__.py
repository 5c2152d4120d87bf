"""The files that run inside the sandbox, copied there as a folder: the worker's entry point
(`worker_main`), the data codec (`codec`) and the framing of messages (`wire`)."""
