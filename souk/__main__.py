import sys

from souk.cli import main

sys.exit(main())
