import sys

from hubmagic.runner._run import main

sys.exit(main())
