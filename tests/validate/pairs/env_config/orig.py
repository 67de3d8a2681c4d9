#!/usr/bin/python3
"""write_config: write app.conf (mode 0640) from the environment: APP_NAME is required,
APP_PORT defaults to 8080 and APP_DEBUG to "false"."""
import os
import sys


def main():
    name = os.environ.get("APP_NAME")
    if not name:
        print("write_config: APP_NAME is not set", file=sys.stderr)
        return 2
    port = os.environ.get("APP_PORT", "8080")
    debug = os.environ.get("APP_DEBUG", "false")
    fd = os.open("app.conf", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(fd, "w") as f:
        f.write("[app]\nname = %s\nport = %s\ndebug = %s\n" % (name, port, debug))
    print("wrote app.conf for %s (port %s, debug %s)" % (name, port, debug))
    return 0


if __name__ == "__main__":
    sys.exit(main())
