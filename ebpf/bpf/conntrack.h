/* SPDX-License-Identifier: GPL-2.0 */
/* Connection tracking for NATed flows: a forward entry (client → frontend) naming the backend,
 * a reply entry (backend → client) naming the frontend to restore, TCP-state-aware timeouts.
 * Entries live in an LRU map; an expired entry is treated as absent (and replaced). */
#ifndef SLUICE_BPF_CONNTRACK_H
#define SLUICE_BPF_CONNTRACK_H

#include "common.h"
#include "lb.h"
#include "maps.h"
#include "parse.h"

#define SL_FIN_FROM_CLIENT 1
#define SL_FIN_FROM_BACKEND 2

SL_INLINE __u64 ct_timeout(__u8 proto, __u8 state)
{
	if (proto == IPPROTO_TCP) {
		if (state == SL_CT_ESTABLISHED)
			return SL_CT_TIMEOUT_TCP_ESTABLISHED;
		if (state == SL_CT_CLOSING)
			return SL_CT_TIMEOUT_TCP_CLOSING;
		return SL_CT_TIMEOUT_TCP_SYN;
	}
	return state == SL_CT_ESTABLISHED ? SL_CT_TIMEOUT_UDP : SL_CT_TIMEOUT_UDP_NEW;
}

SL_INLINE int ct_alive(const struct sl_ct_entry *entry, __u8 proto, __u64 now)
{
	return now - entry->last_seen_ns <= ct_timeout(proto, entry->state);
}

/* The key of a packet as it travels (src → dst), in the given direction. */
SL_INLINE void ct_key_of(struct sl_ct_key *key, const struct sl_pkt *pkt, __u8 dir)
{
	__builtin_memset(key, 0, sizeof(*key));
	key->src = pkt->src;
	key->dst = pkt->dst;
	key->sport = pkt->sport;
	key->dport = pkt->dport;
	key->proto = pkt->proto;
	key->family = pkt->family;
	key->dir = dir;
}

/* Moves the TCP state on a packet of the flow; UDP becomes established on the first reply. */
SL_INLINE void ct_on_packet(struct sl_ct_entry *entry, const struct sl_pkt *pkt, int from_backend,
			    __u64 now)
{
	entry->last_seen_ns = now;
	if (pkt->proto == IPPROTO_TCP) {
		if (pkt->tcp_flags & SL_TCP_RST) {
			entry->state = SL_CT_CLOSING;
			return;
		}
		if (pkt->tcp_flags & SL_TCP_FIN)
			entry->seen_fin |= from_backend ? SL_FIN_FROM_BACKEND : SL_FIN_FROM_CLIENT;
		if (entry->seen_fin == (SL_FIN_FROM_CLIENT | SL_FIN_FROM_BACKEND)) {
			entry->state = SL_CT_CLOSING;
			return;
		}
	}
	if (from_backend && entry->state == SL_CT_NEW)
		entry->state = SL_CT_ESTABLISHED;
}

/* A SYN (without ACK) on a closing or closed entry starts a new connection on a reused port. */
SL_INLINE int ct_is_new_syn(const struct sl_ct_entry *entry, const struct sl_pkt *pkt)
{
	return pkt->proto == IPPROTO_TCP &&
	       (pkt->tcp_flags & (SL_TCP_SYN | SL_TCP_ACK)) == SL_TCP_SYN &&
	       entry->state == SL_CT_CLOSING;
}

/* The backend a tracked flow keeps: its live forward entry's, as long as that backend id still
 * exists with the same address and port; NULL when the flow must choose (again). Sets *id. */
SL_INLINE struct sl_backend *ct_tracked_backend(const struct sl_frontend *fe,
						const struct sl_pkt *pkt, __u64 now, __u32 *id)
{
	struct sl_ct_key key;
	struct sl_ct_entry *entry;
	struct sl_backend *backend;

	ct_key_of(&key, pkt, SL_CT_FORWARD);
	entry = bpf_map_lookup_elem(&sl_ct_v2, &key);
	if (!entry || entry->service_id != fe->service_id || !ct_alive(entry, pkt->proto, now) ||
	    ct_is_new_syn(entry, pkt))
		return NULL;
	backend = lb_backend(fe->service_id, entry->backend_id);
	if (!backend || backend->port != entry->nat_port ||
	    !sl_addr_equal(&backend->addr, &entry->nat_addr))
		return NULL; /* its backend left: choose again */
	*id = entry->backend_id;
	ct_on_packet(entry, pkt, 0, now);
	return backend;
}

/* Inserts a flow's two entries from a prepared value: forward (client → frontend ⇒ backend) and
 * reply (backend → `seen_client` ⇒ frontend). 0 or SLUICE_DROP_CT_FULL. */
SL_INLINE int ct_insert_pair(const struct sl_pkt *pkt, const struct sl_backend *backend,
			     const union sl_addr *seen_client, struct sl_ct_entry *entry)
{
	struct sl_ct_key key;

	ct_key_of(&key, pkt, SL_CT_FORWARD);
	entry->nat_addr = backend->addr;
	entry->nat_port = backend->port;
	if (bpf_map_update_elem(&sl_ct_v2, &key, entry, BPF_ANY))
		return SLUICE_DROP_CT_FULL;

	key.src = backend->addr;
	key.sport = backend->port;
	key.dst = *seen_client;
	key.dport = pkt->sport;
	key.dir = SL_CT_REPLY;
	entry->nat_addr = pkt->dst;
	entry->nat_port = pkt->dport;
	if (bpf_map_update_elem(&sl_ct_v2, &key, entry, BPF_ANY))
		return SLUICE_DROP_CT_FULL;
	return 0;
}

/* Records a new NATed flow. `seen_client` is the client address as the backend sees it (the
 * client's own, or the hairpin address). Returns 0, or SLUICE_DROP_CT_FULL. */
SL_INLINE int ct_create(const struct sl_pkt *pkt, const struct sl_backend *backend,
			__u32 backend_id, __u32 service_id, const union sl_addr *seen_client,
			__u64 now)
{
	struct sl_ct_entry entry = {};

	entry.last_seen_ns = now;
	entry.state = SL_CT_NEW;
	entry.backend_id = backend_id;
	entry.service_id = service_id;
	return ct_insert_pair(pkt, backend, seen_client, &entry);
}

/* A reply of a tracked flow: the flow's forward entry (client → frontend) learns it too
 * (established; FIN from the backend). */
SL_INLINE void ct_forward_learns_reply(const struct sl_pkt *pkt, const union sl_addr *client,
				       __be16 client_port, const union sl_addr *frontend,
				       __be16 frontend_port, __u64 now)
{
	struct sl_ct_key key = {};
	struct sl_ct_entry *forward;

	key.src = *client;
	key.sport = client_port;
	key.dst = *frontend;
	key.dport = frontend_port;
	key.proto = pkt->proto;
	key.family = pkt->family;
	key.dir = SL_CT_FORWARD;
	forward = bpf_map_lookup_elem(&sl_ct_v2, &key);
	if (forward)
		ct_on_packet(forward, pkt, 1, now);
}

#endif
