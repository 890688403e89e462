// SPDX-License-Identifier: GPL-2.0
/* Socket-level load balancing: cgroup sock_addr hooks that translate a ClusterIP frontend to a
 * backend before the socket ever sends a packet, and the backend back to the frontend wherever
 * the application can read its peer's address.
 *
 *   connect4/6      TCP and connected UDP: the destination becomes a backend, chosen once.
 *   sendmsg4/6      unconnected UDP (sendto with an address): every datagram is translated; the
 *                   socket remembers its backend per service (sock_udp.h).
 *   recvmsg4/6      UDP: a datagram from a backend the socket was sent to shows the frontend
 *                   as its source.
 *   getpeername4/6  TCP and connected UDP: the peer shows as the frontend.
 *
 * Backend choice: ClientIP affinity when the frontend asks for it, else Maglev on a hash of the
 * socket cookie and the service — the choice is made once per socket at connect time, so no
 * conntrack is needed. No eligible backend: connect() or sendmsg() fails at once with
 * ECONNREFUSED, counted as SLUICE_DROP_NO_BACKEND.
 *
 * Only ClusterIP frontends are translated here; NodePort, LoadBalancer and externalIP
 * addresses (which carry source-range and traffic-policy rules that need the packet's source)
 * are left to the packet path. An IPv6 socket talking to an IPv4-mapped ClusterIP is translated
 * like an IPv4 socket (sock_addr.h). The reverse translation lives in sl_sock_rev_v1, keyed by
 * socket cookie and backend, written when the socket is translated. */
#include <linux/errno.h>

#include "common.h"
#include "lb.h"
#include "maps.h"
#include "sock_addr.h"
#include "sock_udp.h"

#define SOCK_PROCEED 1 /* sock_addr verdicts: let the call go on (translated or not) */
#define SOCK_REFUSE 0  /* fail the call, with the error set by bpf_set_retval() */

/* ClientIP affinity needs the client's identity at connect time, before the socket has a
 * source address. The network namespace is that identity (a pod, or the host), carried in the
 * affinity key's client address inside 100::/64 — the discard-only prefix (RFC 6666), which no
 * packet-path client address can be (an IPv4 key has zeros past its first word). */
SL_INLINE void sock_client_identity(struct bpf_sock_addr *ctx, union sl_addr *client)
{
	__u64 netns = bpf_get_netns_cookie(ctx);

	client->v6[0] = bpf_htonl(0x01000000);
	client->v6[1] = 0;
	client->v6[2] = (__u32)(netns >> 32);
	client->v6[3] = (__u32)netns;
}

/* The same for every translation of one socket to one service. */
SL_INLINE __u32 sock_hash(__u64 cookie, __u32 service_id)
{
	return sl_flow_mix32(sl_flow_mix32((__u32)cookie ^ service_id) ^ (__u32)(cookie >> 32));
}

SL_INLINE int sock_refuse(__u32 reason)
{
	sl_count_drop(reason);
	bpf_set_retval(-ECONNREFUSED);
	return SOCK_REFUSE;
}

SL_INLINE void sock_count_new_connection(__u32 service_id)
{
	struct sl_service_stats *stats = bpf_map_lookup_elem(&sl_svc_stats_v1, &service_id);

	/* The socket path sees no packets: packets and bytes stay with the packet path. */
	if (stats)
		stats->new_connections += 1;
}

SL_INLINE __u32 sock_select(struct bpf_sock_addr *ctx, const struct sl_frontend *fe, __u8 family,
			    __u64 cookie)
{
	union sl_addr client;

	sock_client_identity(ctx, &client);
	return lb_select(fe, &client, family, sock_hash(cookie, fe->service_id),
			 bpf_ktime_get_ns());
}

/* Records backend → frontend for this socket; an existing identical record is left alone (the
 * lookup refreshes it in the LRU). Returns 0, or SLUICE_DROP_CT_FULL. */
SL_INLINE int sock_remember_reverse(__u64 cookie, const struct sl_backend *backend,
				    const struct sock_peer *fe)
{
	struct sl_sock_revnat_key key = {};
	struct sl_sock_revnat_value value = {};
	struct sl_sock_revnat_value *old;

	key.cookie = cookie;
	key.backend = backend->addr;
	key.backend_port = backend->port;
	key.family = backend->family;
	old = bpf_map_lookup_elem(&sl_sock_rev_v1, &key);
	if (old && old->frontend_port == fe->port && sl_addr_equal(&old->frontend, &fe->addr))
		return 0;
	value.frontend = fe->addr;
	value.frontend_port = fe->port;
	if (bpf_map_update_elem(&sl_sock_rev_v1, &key, &value, BPF_ANY))
		return SLUICE_DROP_CT_FULL;
	return 0;
}

/* connect and sendmsg. unconnected: a sendmsg hook, whose choice is remembered per socket. */
SL_INLINE int sock_translate(struct bpf_sock_addr *ctx, int v6, int unconnected)
{
	struct sock_udp_choice *slot = NULL;
	struct sock_udp_state *state;
	struct sl_backend *backend = NULL;
	struct sl_frontend *fe;
	struct sock_peer dst;
	__u32 proto = ctx->protocol;
	__u32 backend_id = 0;
	__u64 cookie;
	int err;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return SOCK_PROCEED;
	sock_peer_load(ctx, v6, &dst);
	fe = lb_lookup_frontend(&dst.addr, dst.port, (__u8)proto, dst.family);
	if (!fe || fe->kind != SL_KIND_CLUSTER_IP)
		return SOCK_PROCEED;
	cookie = bpf_get_socket_cookie(ctx);

	if (unconnected) {
		state = bpf_sk_storage_get(&sl_sock_udp_v1, ctx->sk, 0,
					   BPF_SK_STORAGE_GET_F_CREATE);
		if (state) {
			slot = sock_udp_find(state, &dst);
			if (slot)
				backend = lb_backend(fe->service_id, slot->backend_id);
			else
				slot = sock_udp_claim(state, &dst);
		}
	}
	if (backend) {
		backend_id = slot ? slot->backend_id : 0;
	} else {
		backend_id = sock_select(ctx, fe, dst.family, cookie);
		backend = lb_backend(fe->service_id, backend_id);
		if (!backend)
			return sock_refuse(SLUICE_DROP_NO_BACKEND);
		sock_count_new_connection(fe->service_id);
	}
	/* The control plane keeps a service's backends in its frontends' family; a mismatch is
	 * a bug there, and a socket cannot reach an address of the other family. */
	if (backend->family != dst.family)
		return sock_refuse(SLUICE_DROP_NAT_FAILED);
	err = sock_remember_reverse(cookie, backend, &dst);
	if (err)
		return sock_refuse(err);
	if (slot)
		slot->backend_id = backend_id;
	{
		union sl_addr addr = backend->addr;

		sock_peer_store(ctx, v6, &dst, &addr, backend->port);
	}
	return SOCK_PROCEED;
}

/* recvmsg and getpeername: a backend this socket was translated to shows as its frontend. */
SL_INLINE int sock_restore(struct bpf_sock_addr *ctx, int v6)
{
	struct sl_sock_revnat_key key = {};
	struct sl_sock_revnat_value *fe;
	struct sock_peer peer;

	sock_peer_load(ctx, v6, &peer);
	key.cookie = bpf_get_socket_cookie(ctx);
	key.backend = peer.addr;
	key.backend_port = peer.port;
	key.family = peer.family;
	fe = bpf_map_lookup_elem(&sl_sock_rev_v1, &key);
	if (fe) {
		union sl_addr addr = fe->frontend;

		sock_peer_store(ctx, v6, &peer, &addr, fe->frontend_port);
	}
	return SOCK_PROCEED; /* these hooks cannot fail the call */
}

SEC("cgroup/connect4")
int sock_connect4(struct bpf_sock_addr *ctx)
{
	return sock_translate(ctx, 0, 0);
}

SEC("cgroup/connect6")
int sock_connect6(struct bpf_sock_addr *ctx)
{
	return sock_translate(ctx, 1, 0);
}

/* Also runs for an IPv6 socket sending to an IPv4-mapped address: the kernel hands
 * udp_sendmsg() the IPv4 address, so this hook sees a plain IPv4 destination. */
SEC("cgroup/sendmsg4")
int sock_sendmsg4(struct bpf_sock_addr *ctx)
{
	return sock_translate(ctx, 0, 1);
}

SEC("cgroup/sendmsg6")
int sock_sendmsg6(struct bpf_sock_addr *ctx)
{
	return sock_translate(ctx, 1, 1);
}

SEC("cgroup/recvmsg4")
int sock_recvmsg4(struct bpf_sock_addr *ctx)
{
	return sock_restore(ctx, 0);
}

SEC("cgroup/recvmsg6")
int sock_recvmsg6(struct bpf_sock_addr *ctx)
{
	return sock_restore(ctx, 1);
}

SEC("cgroup/getpeername4")
int sock_getpeername4(struct bpf_sock_addr *ctx)
{
	return sock_restore(ctx, 0);
}

SEC("cgroup/getpeername6")
int sock_getpeername6(struct bpf_sock_addr *ctx)
{
	return sock_restore(ctx, 1);
}

char LICENSE[] SEC("license") = "GPL";
