from chanlint.cli import run

run()
