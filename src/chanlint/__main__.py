from chanlint.cli import main

main()
