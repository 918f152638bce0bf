from cmsite.cli import main

main()
