/* SPDX-License-Identifier: GPL-2.0 */
/* Conntrack of external flows (NodePort, LoadBalancer, externalIPs): the entries a new flow
 * gets, and the node port an SNATed flow reserves. */
#ifndef SLUICE_BPF_EXT_CONNTRACK_H
#define SLUICE_BPF_EXT_CONNTRACK_H

#include "common.h"
#include "conntrack.h"
#include "maps.h"
#include "parse.h"

#define SL_SNAT_PORT_MIN 32768
#define SL_SNAT_PORT_SPAN 28232 /* 32768 .. 60999, the kernel's default ephemeral range */
#define SL_SNAT_TRIES 8

enum sl_ext_mode {
	SL_EXT_DIRECT = 0, /* local backend (or ETP=Local): DNAT only, the client's address kept */
	SL_EXT_SNAT = 1,   /* remote backend: source-NATed to this node */
	SL_EXT_DSR = 2,    /* remote backend of a DSR frontend (IPv4): IPIP to its node */
};

SL_INLINE int ext_mode(const struct sl_frontend *fe, const struct sl_backend *backend,
		       __u8 family)
{
	if ((backend->flags & SL_BE_LOCAL) || (fe->flags & SL_FE_LOCAL_ONLY))
		return SL_EXT_DIRECT;
	if ((fe->flags & SL_FE_DSR) && family == SL_FAMILY_IPV4)
		return SL_EXT_DSR;
	return SL_EXT_SNAT;
}

/* The key of a DNATed client packet on its way out (client → backend), dir SNAT_OUT. */
SL_INLINE void snat_out_key(struct sl_ct_key *key, const struct sl_pkt *pkt,
			    const union sl_addr *backend, __be16 backend_port)
{
	__builtin_memset(key, 0, sizeof(*key));
	key->src = pkt->src;
	key->sport = pkt->sport;
	key->dst = *backend;
	key->dport = backend_port;
	key->proto = pkt->proto;
	key->family = pkt->family;
	key->dir = SL_CT_SNAT_OUT;
}

SL_INLINE int node_address(__u8 family, union sl_addr *out)
{
	__builtin_memset(out, 0, sizeof(*out));
	if (family == SL_FAMILY_IPV4) {
		out->v4 = sl_node_v4;
		return out->v4 != 0;
	}
	out->v6[0] = sl_node_v6[0];
	out->v6[1] = sl_node_v6[1];
	out->v6[2] = sl_node_v6[2];
	out->v6[3] = sl_node_v6[3];
	return out->v6[0] | out->v6[1] | out->v6[2] | out->v6[3];
}

/* Reserves a port of this node for an SNATed flow by inserting its SNAT_IN entry (backend →
 * node:port); a port whose entry belongs to a live flow is never taken twice. */
SL_INLINE int snat_reserve(const struct sl_pkt *pkt, const struct sl_backend *backend,
			   const union sl_addr *node, __u32 hash, struct sl_ct_entry *in_entry,
			   __u64 now, __be16 *port_out)
{
	struct sl_ct_key key = {};
	struct sl_ct_entry *taken;

	key.src = backend->addr;
	key.sport = backend->port;
	key.dst = *node;
	key.proto = pkt->proto;
	key.family = pkt->family;
	key.dir = SL_CT_SNAT_IN;
	for (int i = 0; i < SL_SNAT_TRIES; i++) {
		__be16 port = bpf_htons(SL_SNAT_PORT_MIN + (hash + i * 7919) % SL_SNAT_PORT_SPAN);

		key.dport = port;
		taken = bpf_map_lookup_elem(&sl_ct_v2, &key);
		if (taken && ct_alive(taken, pkt->proto, now))
			continue;
		if (bpf_map_update_elem(&sl_ct_v2, &key, in_entry, BPF_ANY))
			return SLUICE_DROP_CT_FULL;
		*port_out = port;
		return 0;
	}
	return SLUICE_DROP_SNAT_EXHAUSTED;
}

/* Conntrack for a new external flow: FORWARD (client → frontend ⇒ backend) and REPLY (backend →
 * client ⇒ frontend); for a remote backend under externalTrafficPolicy=Cluster also SNAT_IN
 * (backend → node:port ⇒ client) and SNAT_OUT (client → backend ⇒ node:port). */
SL_INLINE int ext_ct_create(const struct sl_pkt *pkt, const struct sl_frontend *fe,
			    const struct sl_backend *backend, __u32 backend_id, __u32 hash,
			    __u64 now)
{
	struct sl_ct_key key;
	struct sl_ct_entry entry = {};
	union sl_addr node;
	__be16 snat_port = 0;
	int mode, err;

	entry.last_seen_ns = now;
	entry.state = SL_CT_NEW;
	entry.backend_id = backend_id;
	entry.service_id = fe->service_id;
	entry.flags = SL_CT_F_EXTERNAL;

	mode = ext_mode(fe, backend, pkt->family);
	if (mode == SL_EXT_DSR) {
		/* DSR: on the way out the DNATed packet is wrapped in IPIP carrying the frontend;
		 * the backend's node unwraps it and answers the client directly. */
		snat_out_key(&key, pkt, &backend->addr, backend->port);
		entry.flags |= SL_CT_F_DSR;
		entry.nat_addr = pkt->dst;
		entry.nat_port = pkt->dport;
		if (bpf_map_update_elem(&sl_ct_v2, &key, &entry, BPF_ANY))
			return SLUICE_DROP_CT_FULL;
	} else if (mode == SL_EXT_SNAT) {
		if (!node_address(pkt->family, &node))
			return SLUICE_DROP_NAT_FAILED; /* no node address configured to SNAT to */
		entry.flags |= SL_CT_F_SNAT;
		entry.client_addr = pkt->src;
		entry.client_port = pkt->sport;
		entry.nat_addr = pkt->dst;
		entry.nat_port = pkt->dport;
		err = snat_reserve(pkt, backend, &node, hash, &entry, now, &snat_port);
		if (err)
			return err;
		snat_out_key(&key, pkt, &backend->addr, backend->port);
		entry.nat_addr = node;
		entry.nat_port = snat_port;
		if (bpf_map_update_elem(&sl_ct_v2, &key, &entry, BPF_ANY))
			return SLUICE_DROP_CT_FULL;
		__builtin_memset(&entry.client_addr, 0, sizeof(entry.client_addr));
		entry.client_port = 0;
	}

	return ct_insert_pair(pkt, backend, &pkt->src, &entry);
}


#endif
