import sys

from fastbal.cli import main

sys.exit(main())
