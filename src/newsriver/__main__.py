"""`python -m newsriver`: the same as the `newsriver` console script."""

from newsriver.cli import main

if __name__ == "__main__":
    main()
