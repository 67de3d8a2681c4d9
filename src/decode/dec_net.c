/* dec_net.c - sockets: socket types, sockaddrs, msghdr with its iovecs and
 * control messages, socket options. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/netlink.h>
#include "decode/decode_int.h"

#define SA_MAX 128          /* sizeof(struct sockaddr_storage) */
#define CMSG_BYTES 4096     /* control data looked at */
#define CMSG_COUNT 16       /* control messages shown */

static void add_hex(struct sb *sb, const unsigned char *p, size_t n)
{
	sb_adds(sb, "\"");
	for (size_t k = 0; k < n; k++)
		sb_addf(sb, "\\x%02x", p[k]);
	sb_adds(sb, "\"");
}

static void add_sun(struct sb *sb, const unsigned char *sa, size_t len)
{
	const char *path = (const char *)sa + 2;
	size_t n = len - 2;

	if (!n)
		return;
	sb_adds(sb, ", sun_path=");
	if (path[0] == '\0') {          /* abstract: every byte counts */
		sb_addc(sb, '@');
		sb_add_quoted(sb, path + 1, n - 1);
	} else {
		sb_add_quoted(sb, path, strnlen(path, n));
	}
}

static void add_sin(struct sb *sb, const unsigned char *sa, size_t len)
{
	struct sockaddr_in in;
	char buf[INET_ADDRSTRLEN];

	memset(&in, 0, sizeof in);
	memcpy(&in, sa, len < sizeof in ? len : sizeof in);
	inet_ntop(AF_INET, &in.sin_addr, buf, sizeof buf);
	sb_addf(sb, ", sin_port=htons(%u), sin_addr=inet_addr(\"%s\")", ntohs(in.sin_port), buf);
}

static void add_sin6(struct sb *sb, const unsigned char *sa, size_t len)
{
	struct sockaddr_in6 in6;
	char buf[INET6_ADDRSTRLEN];

	memset(&in6, 0, sizeof in6);
	memcpy(&in6, sa, len < sizeof in6 ? len : sizeof in6);
	inet_ntop(AF_INET6, &in6.sin6_addr, buf, sizeof buf);
	sb_addf(sb, ", sin6_port=htons(%u), sin6_flowinfo=htonl(%u), "
		"inet_pton(AF_INET6, \"%s\", &sin6_addr), sin6_scope_id=%u",
		ntohs(in6.sin6_port), ntohl(in6.sin6_flowinfo), buf, in6.sin6_scope_id);
}

/* "{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("1.2.3.4")}" */
void fmt_sockaddr(struct sb *sb, const void *sa, size_t len)
{
	const unsigned char *p = sa;
	unsigned fam;

	if (len < 2) {
		sb_adds(sb, "{}");
		return;
	}
	fam = p[0] | p[1] << 8;
	sb_adds(sb, "{sa_family=");
	xlat_add(sb, &xt_af, fam);
	if (fam == AF_UNIX) {
		add_sun(sb, p, len);
	} else if (fam == AF_INET) {
		add_sin(sb, p, len);
	} else if (fam == AF_INET6) {
		add_sin6(sb, p, len);
	} else if (fam == AF_NETLINK && len >= sizeof(struct sockaddr_nl)) {
		struct sockaddr_nl nl;
		memcpy(&nl, p, sizeof nl);
		sb_addf(sb, ", nl_pid=%u, nl_groups=%08x", nl.nl_pid, nl.nl_groups);
	} else if (len > 2) {
		sb_adds(sb, ", sa_data=");
		add_hex(sb, p + 2, len - 2);
	}
	sb_addc(sb, '}');
}

static char *sockaddr_text(struct dctx *c, uint64_t addr, uint64_t len)
{
	unsigned char sa[SA_MAX];
	struct sb sb = SB_INIT;

	if (len > SA_MAX)
		len = SA_MAX;
	if (!mem_get(c, addr, sa, (size_t)len) && len)
		return NULL;
	fmt_sockaddr(&sb, sa, (size_t)len);
	return sb_detach(&sb);
}

/* connect/bind/sendto: length in argument p */
char *s_sockaddr_in(struct dctx *c, int i)
{
	return sockaddr_text(c, ARG(c, i), (uint32_t)arg_or0(c, spec_p(c, i)));
}

/* The value a socklen_t* argument had at entry (its text "[N]" or "[N] => [M]"). */
static bool socklen_in(struct dctx *c, int p, unsigned *v)
{
	const char *t = p >= 0 ? c->ev->args[p].text : NULL;

	return t && sscanf(t, "[%u]", v) == 1;
}

/* accept/getsockname/recvfrom: length behind the pointer in argument p */
char *s_sockaddr_out(struct dctx *c, int i)
{
	int p = spec_p(c, i);
	unsigned len, inlen;

	if (p < 0 || !mem_get(c, ARG(c, p), &len, sizeof len))
		return NULL;
	if (socklen_in(c, p, &inlen) && inlen < len)
		len = inlen;       /* the kernel copied only what fitted */
	return sockaddr_text(c, ARG(c, i), len);
}

char *s_socklen(struct dctx *c, int i)
{
	return s_uint(c, i);
}

void h_socket_entry(struct dctx *c)
{
	int dom = IARG(c, 0);
	uint32_t type = (uint32_t)ARG(c, 1);
	struct sd_arg *a = &c->ev->args[1];
	struct sb sb = SB_INIT;

	a->type = SD_ARG_FLAGS;
	a->raw = type;
	xlat_add(&sb, &xt_sock_type, type & 0xf);
	if (type & ~0xfu) {
		sb_addc(&sb, '|');
		xlat_add(&sb, &xt_sock_flags, type & ~0xfu);
	}
	arg_set_text(a, sb_detach(&sb));
	if (dom == AF_INET || dom == AF_INET6)
		arg_set_flags(c, 2, &xt_ipproto, (uint32_t)ARG(c, 2));
}

/* ---- socket options ----------------------------------------------------- */

void h_sockopt_entry(struct dctx *c)
{
	int level = IARG(c, 1);

	if (level == SOL_SOCKET)
		arg_set_flags(c, 2, &xt_so, (uint32_t)ARG(c, 2));
	else if (level == IPPROTO_TCP)
		arg_set_flags(c, 2, &xt_tcp, (uint32_t)ARG(c, 2));
}

static char *optval_text(struct dctx *c, uint64_t addr, uint64_t len)
{
	unsigned char v[64];
	struct sb sb = SB_INIT;
	int iv;

	if (len == sizeof iv) {
		if (!mem_get(c, addr, &iv, sizeof iv))
			return NULL;
		return xasprintf("[%d]", iv);
	}
	if (len > sizeof v)
		len = sizeof v;
	if (len && !mem_get(c, addr, v, (size_t)len))
		return NULL;
	add_hex(&sb, v, (size_t)len);
	return sb_detach(&sb);
}

char *s_sockopt_in(struct dctx *c, int i)
{
	return optval_text(c, ARG(c, i), (uint32_t)arg_or0(c, spec_p(c, i)));
}

char *s_sockopt_out(struct dctx *c, int i)
{
	int p = spec_p(c, i);
	unsigned len;

	if (p < 0 || !mem_get(c, ARG(c, p), &len, sizeof len))
		return NULL;
	return optval_text(c, ARG(c, i), len);
}

/* ---- sendmsg / recvmsg -------------------------------------------------- */

struct k_msghdr {
	uint64_t name;
	uint32_t namelen, pad;
	uint64_t iov, iovlen, control, controllen;
	uint32_t flags;
};

struct k_cmsghdr {
	uint64_t len;
	int32_t level, type;
};

static void add_rights(struct dctx *c, struct sb *sb, struct sb *refs,
		       const unsigned char *d, size_t n)
{
	size_t cnt = n / sizeof(int);

	sb_adds(sb, ", cmsg_data=[");
	for (size_t k = 0; k < cnt && k < DEC_ARRAY_MAX; k++) {
		int fd;
		memcpy(&fd, d + k * sizeof fd, sizeof fd);
		sb_addf(sb, "%s%d", k ? ", " : "", fd);
		if (refs) {       /* received: the fds are new in this process */
			char *r = ref_dup(c, fd, true);
			sb_addf(refs, "%s%s", refs->len ? ", " : "", r ? r : "?");
			free(r);
		}
	}
	sb_adds(sb, cnt > DEC_ARRAY_MAX ? ", ...]" : "]");
}

/* "[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[5]}]" */
static void add_cmsgs(struct dctx *c, struct sb *sb, struct sb *refs, uint64_t addr,
		      uint64_t len)
{
	unsigned char *buf;
	size_t n, off = 0;
	int shown = 0;

	if (len > CMSG_BYTES)
		len = CMSG_BYTES;
	buf = xmalloc(len ? len : 1);
	n = mem_read(c, addr, buf, (size_t)len);
	sb_addc(sb, '[');
	while (off + sizeof(struct k_cmsghdr) <= n && shown < CMSG_COUNT) {
		struct k_cmsghdr h;
		memcpy(&h, buf + off, sizeof h);
		if (h.len < sizeof h || h.len > n - off)
			break;
		sb_addf(sb, "%s{cmsg_len=%llu, cmsg_level=", shown ? ", " : "",
			(unsigned long long)h.len);
		xlat_add(sb, &xt_sol, (uint32_t)h.level);
		if (h.level == SOL_SOCKET && h.type == SCM_RIGHTS) {
			sb_adds(sb, ", cmsg_type=SCM_RIGHTS");
			add_rights(c, sb, refs, buf + off + sizeof h, h.len - sizeof h);
		} else if (h.level == SOL_SOCKET && h.type == SCM_CREDENTIALS &&
			   h.len >= sizeof h + 12) {
			int cr[3];
			memcpy(cr, buf + off + sizeof h, sizeof cr);
			sb_addf(sb, ", cmsg_type=SCM_CREDENTIALS, cmsg_data={pid=%d, uid=%d, "
				"gid=%d}", cr[0], cr[1], cr[2]);
		} else {
			sb_addf(sb, ", cmsg_type=%d", h.type);
		}
		sb_addc(sb, '}');
		shown++;
		off += (size_t)((h.len + 7) & ~7ULL);
	}
	sb_addc(sb, ']');
	free(buf);
}

static char *msghdr_text(struct dctx *c, const struct k_msghdr *m, struct sb *refs)
{
	struct sb sb = SB_INIT;
	char *sa = NULL;

	sb_adds(&sb, "{msg_name=");
	if (m->name && m->namelen)
		sa = sockaddr_text(c, m->name, m->namelen);
	if (sa)
		sb_adds(&sb, sa);
	else if (m->name)
		sb_addf(&sb, "%#llx", (unsigned long long)m->name);
	else
		sb_adds(&sb, "NULL");
	free(sa);
	sb_addf(&sb, ", msg_namelen=%u, msg_iovlen=%llu, msg_control=", m->namelen,
		(unsigned long long)m->iovlen);
	if (m->control && m->controllen)
		add_cmsgs(c, &sb, refs, m->control, m->controllen);
	else
		sb_adds(&sb, "NULL");
	sb_addf(&sb, ", msg_controllen=%llu, msg_flags=", (unsigned long long)m->controllen);
	xlat_add(&sb, &xt_msg, m->flags);
	sb_addc(&sb, '}');
	return sb_detach(&sb);
}

/* sendmsg: the iovec bytes are read at entry; recvmsg: everything at exit.  The
 * argument is a BUF (the iov bytes) whose text describes the rest of the msghdr. */
void h_msg_entry(struct dctx *c)
{
	struct sd_arg *a = &c->ev->args[1];
	struct k_msghdr m;
	bool is_send = !strcmp(c->ev->name, "sendmsg");

	a->type = SD_ARG_BUF;
	a->at_exit = !is_send;
	if (!is_send)
		return;
	if (!mem_get(c, ARG(c, 1), &m, sizeof m)) {
		mem_buf(c, &a->buf, 0, 0);
		a->buf.hash_valid = false;
		arg_set_text(a, a->raw ? xasprintf("%#llx", (unsigned long long)a->raw)
				       : xstrdup("NULL"));
		return;
	}
	mem_iov(c, &a->buf, m.iov, m.iovlen, UINT64_MAX);
	arg_set_text(a, msghdr_text(c, &m, NULL));
}

void h_msg_exit(struct dctx *c)
{
	struct sd_arg *a = &c->ev->args[1];
	struct k_msghdr m;
	bool is_send = a->at_exit == false;
	struct sb refs = SB_INIT;

	if (!ok_ret(c))
		goto empty;
	if (!mem_get(c, ARG(c, 1), &m, sizeof m)) {
		if (is_send)
			return;
		mem_buf(c, &a->buf, 0, 0);
		a->buf.len = (uint64_t)c->ret;
		a->buf.hash_valid = false;
		return;
	}
	if (is_send) {
		if ((uint64_t)c->ret < a->buf.len)
			mem_iov(c, &a->buf, m.iov, m.iovlen, (uint64_t)c->ret);
		return;
	}
	mem_iov(c, &a->buf, m.iov, m.iovlen, (uint64_t)c->ret);
	arg_set_text(a, msghdr_text(c, &m, &refs));
	free(a->ref);
	a->ref = refs.len ? sb_detach(&refs) : NULL;
	sb_free(&refs);
	return;
empty:
	if (!is_send)
		mem_buf(c, &a->buf, 0, 0);
}
