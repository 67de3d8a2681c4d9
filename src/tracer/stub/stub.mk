# stub.mk - how the clock stub (vdso.c, see src/tracer/clockstub.h) is built: a shared
# object of its own with no relocations (a vDSO is never relocated), whose bytes
# scripts/vdso-image.sh turns into C for libsysdiff.  Included by Makefile and
# fuzz/Makefile, which give the rules their own directories.
STUB_DEPS  := src/tracer/stub/vdso.c src/tracer/stub/vdso.lds src/tracer/stub/vdso.ld \
	src/tracer/vclock.h src/tracer/stub/stub.mk scripts/vdso-image.sh
STUB_FLAGS := -O2 -fPIC -shared -nostdlib -fno-stack-protector -fcf-protection=none \
	-fno-sanitize=all -fvisibility=hidden -Isrc -Wall -Wextra \
	-Wl,--version-script=src/tracer/stub/vdso.lds -Wl,-soname,linux-vdso.so.1 \
	-Wl,-T,src/tracer/stub/vdso.ld -Wl,--hash-style=both -Wl,-Bsymbolic -Wl,-z,norelro \
	-Wl,--no-warn-rwx-segments -Wl,--build-id=none -Wl,--no-undefined -Wl,--eh-frame-hdr
