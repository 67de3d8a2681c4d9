/* xlat.c - turning numbers into symbolic text: flag sets, enum constants, file
 * modes, open(2) flags, signal sets. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include "decode/decode_int.h"

const char *xlat_name(const struct xtab *t, uint64_t v)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->e[i].val == v)
			return t->e[i].name;
	return NULL;
}

static void add_bits(struct sb *sb, const struct xtab *t, uint64_t v)
{
	bool first = true;

	if (!v) {
		sb_adds(sb, t->zero ? t->zero : "0");
		return;
	}
	for (unsigned i = 0; i < t->n && v; i++) {
		uint64_t m = t->e[i].val;
		if (!m || (v & m) != m)
			continue;
		if (!first)
			sb_addc(sb, '|');
		sb_adds(sb, t->e[i].name);
		v &= ~m;
		first = false;
	}
	if (v)
		sb_addf(sb, "%s%#llx", first ? "" : "|", (unsigned long long)v);
}

void xlat_add(struct sb *sb, const struct xtab *t, uint64_t v)
{
	const char *n;

	if (t->kind == XK_BITS) {
		add_bits(sb, t, v);
		return;
	}
	n = xlat_name(t, v);
	if (n)
		sb_adds(sb, n);
	else if (t->kind == XK_ENUMX)
		sb_addf(sb, "%#llx", (unsigned long long)v);
	else
		sb_addf(sb, "%lld", (long long)v);
}

char *xlat_fmt(const struct xtab *t, uint64_t v)
{
	struct sb sb = SB_INIT;

	xlat_add(&sb, t, v);
	return sb_detach(&sb);
}

static const struct xlat ftype_e[] = {
	XE(S_IFREG), XE(S_IFDIR), XE(S_IFLNK), XE(S_IFCHR), XE(S_IFBLK), XE(S_IFIFO),
	XE(S_IFSOCK),
};
static XTAB(ftype, XK_ENUMX, NULL);

/* "0644", "S_IFREG|0644", "04755"; bits beyond the mode as "|0x...". */
void fmt_mode(struct sb *sb, uint64_t mode, bool with_type)
{
	uint64_t rest = mode & ~(uint64_t)07777;
	const char *tn;

	if (with_type && (rest & S_IFMT)) {
		tn = xlat_name(&ftype, rest & S_IFMT);
		if (tn)
			sb_addf(sb, "%s|", tn);
		else
			sb_addf(sb, "%#llo|", (unsigned long long)(rest & S_IFMT));
		rest &= ~(uint64_t)S_IFMT;
	}
	sb_addf(sb, "%#03llo", (unsigned long long)(mode & 07777));
	if (rest)
		sb_addf(sb, "|%#llx", (unsigned long long)rest);
}

static const struct xlat xt_oflag_e[] = {
	XE(O_TMPFILE), XE(O_CREAT), XE(O_EXCL), XE(O_NOCTTY), XE(O_TRUNC), XE(O_APPEND),
	XE(O_NONBLOCK), XE(O_SYNC), XE(O_DSYNC), XE(FASYNC), XE(O_DIRECT),
	{ 0100000, "O_LARGEFILE" },
	XE(O_DIRECTORY), XE(O_NOFOLLOW), XE(O_NOATIME), XE(O_CLOEXEC), XE(O_PATH),
};
XTAB(xt_oflag, XK_BITS, NULL);

/* "O_RDONLY|O_CLOEXEC": the access mode is a 2-bit enum, the rest bits. */
void fmt_open_flags(struct sb *sb, uint64_t flags)
{
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
	uint64_t rest = flags & ~(uint64_t)O_ACCMODE;

	/* O_SYNC includes O_DSYNC, O_TMPFILE includes O_DIRECTORY: table order handles it */
	sb_adds(sb, acc[flags & O_ACCMODE]);
	if (rest) {
		sb_addc(sb, '|');
		add_bits(sb, &xt_oflag, rest);
	}
}

void fmt_signal(struct sb *sb, int sig)
{
	if (sig == 0)
		sb_addc(sb, '0');
	else
		sb_adds(sb, sd_signal_name(sig));
}

/* "[SIGINT SIGTERM]", or "~[SIGKILL SIGSTOP]" when most signals are in the set. */
void fmt_sigset(struct sb *sb, const void *set, size_t bytes)
{
	const unsigned char *p = set;
	int nbits = (int)(bytes > 8 ? 64 : bytes * 8), count = 0;
	bool inv, first = true;

	for (int b = 0; b < nbits; b++)
		count += (p[b / 8] >> (b % 8)) & 1;
	inv = nbits == 64 && count > 32;
	sb_adds(sb, inv ? "~[" : "[");
	for (int b = 0; b < nbits; b++) {
		bool on = (p[b / 8] >> (b % 8)) & 1;
		if (on == inv)
			continue;
		if (!first)
			sb_addc(sb, ' ');
		sb_adds(sb, sd_signal_name(b + 1));
		first = false;
	}
	sb_addc(sb, ']');
}
