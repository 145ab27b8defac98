"""Start the tonecoach web app: ``python app.py [--host 127.0.0.1] [--port 7860] [--data-dir DIR]``.

The same as ``tonecoach serve``; see ``tonecoach serve --help``.
"""

import sys

from tonecoach.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
