import sys

from newsieve.cli import main

sys.exit(main())
