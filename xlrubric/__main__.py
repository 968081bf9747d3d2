from xlrubric.cli import main

main()
