#!/usr/bin/python3
# hello.py - the bundled demo's original: a few file operations and a greeting.
# examples/hello.c is its C translation (built with -DREWRITE_BUG: a buggy one).
import os

msg = "Hello, World!\n"
with open("hello-demo.txt", "w") as f:
    f.write(msg)
os.rename("hello-demo.txt", "hello-demo.old")
os.unlink("hello-demo.old")
print(msg, end="")
