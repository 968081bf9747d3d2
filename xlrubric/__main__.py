"""`python -m xlrubric`: the same command as `xlrubric`."""

from xlrubric.cli import main

if __name__ == "__main__":      # a spawned worker that imports this module must not run the CLI
    main()
