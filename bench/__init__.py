"""Benchmarks: each ``bench_<name>.py`` module has ``main(argv=None) -> None``; see __main__."""
