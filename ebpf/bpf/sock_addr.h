/* SPDX-License-Identifier: GPL-2.0 */
/* The address a cgroup sock_addr hook sees (connect's destination, sendmsg's destination,
 * recvmsg's source, getpeername's peer), read into and written back from the ABI's
 * family-tagged form. An IPv4-mapped address on an IPv6 socket (::ffff:a.b.c.d) is read as the
 * IPv4 address it carries — that is what travels on the wire, what frontends and backends are
 * keyed by — and written back mapped, so the socket keeps seeing an address of its own kind. */
#ifndef SLUICE_BPF_SOCK_ADDR_H
#define SLUICE_BPF_SOCK_ADDR_H

#include "common.h"

struct sock_peer {
	union sl_addr addr; /* network order; IPv4 in v4, rest zero */
	__be16 port;        /* network order */
	__u8 family;        /* enum sl_family of the address on the wire */
	__u8 mapped;        /* IPv6 socket, IPv4-mapped address */
};

SL_INLINE int sock_is_v4_mapped(__u32 w0, __u32 w1, __u32 w2)
{
	return w0 == 0 && w1 == 0 && w2 == bpf_htonl(0x0000ffff);
}

/* v6: the hook is one of the *6 variants (ctx carries user_ip6). */
SL_INLINE void sock_peer_load(const struct bpf_sock_addr *ctx, int v6, struct sock_peer *peer)
{
	__builtin_memset(peer, 0, sizeof(*peer));
	peer->port = (__be16)ctx->user_port;
	if (!v6) {
		peer->addr.v4 = ctx->user_ip4;
		peer->family = SL_FAMILY_IPV4;
		return;
	}
	peer->addr.v6[0] = ctx->user_ip6[0];
	peer->addr.v6[1] = ctx->user_ip6[1];
	peer->addr.v6[2] = ctx->user_ip6[2];
	peer->addr.v6[3] = ctx->user_ip6[3];
	peer->family = SL_FAMILY_IPV6;
	if (sock_is_v4_mapped(peer->addr.v6[0], peer->addr.v6[1], peer->addr.v6[2])) {
		peer->addr.v4 = peer->addr.v6[3];
		peer->addr.v6[1] = 0;
		peer->addr.v6[2] = 0;
		peer->addr.v6[3] = 0;
		peer->family = SL_FAMILY_IPV4;
		peer->mapped = 1;
	}
}

/* Writes addr:port (of the family peer->family) where sock_peer_load() read peer from. */
SL_INLINE void sock_peer_store(struct bpf_sock_addr *ctx, int v6, const struct sock_peer *peer,
			       const union sl_addr *addr, __be16 port)
{
	if (!v6) {
		ctx->user_ip4 = addr->v4;
	} else if (peer->mapped) {
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = bpf_htonl(0x0000ffff);
		ctx->user_ip6[3] = addr->v4;
	} else {
		ctx->user_ip6[0] = addr->v6[0];
		ctx->user_ip6[1] = addr->v6[1];
		ctx->user_ip6[2] = addr->v6[2];
		ctx->user_ip6[3] = addr->v6[3];
	}
	ctx->user_port = port;
}

#endif
