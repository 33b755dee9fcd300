import sys

from sqoop_bridge.cli import main

sys.exit(main())
