// SPDX-License-Identifier: GPL-2.0
/* The node's external interface: NodePort, LoadBalancer and externalIP frontends.
 *   xdp_ext_ingress (XDP, packets arriving): the destination side — DNAT of a new or tracked
 *     external flow to its backend (Maglev, conntrack, affinity, source ranges, ETP=Local), and
 *     for flows source-NATed to this node, the backend's reply gets its client back as
 *     destination. Everything then continues into the kernel (XDP_PASS), which routes it.
 *   tc_ext_egress (tc, packets leaving): the source side — a flow to a remote backend is
 *     source-NATed to this node's address and a reserved port; a reply of an external flow gets
 *     the frontend back as its source; an ICMP error about a DNATed flow is translated back.
 *   DSR (IPv4, per frontend): instead of SNAT, the packet is wrapped in IPIP to the backend's
 *     node, whose XDP unwraps it; the backend answers the client directly.
 * Splitting the two sides like PREROUTING/POSTROUTING keeps the kernel's routing (and its
 * martian checks) in between: no packet ever enters with this node's own address as source.
 * See docs/ebpf.md. */
#include "common.h"
#include "conntrack.h"
#include "icmp_error.h"
#include "lb.h"
#include "maps.h"
#include "nat_skb.h"
#include "nat_xdp.h"
#include "parse.h"

#define SL_SNAT_PORT_MIN 32768
#define SL_SNAT_PORT_SPAN 28232 /* 32768 .. 60999, the kernel's default ephemeral range */
#define SL_SNAT_TRIES 8
#define SL_AF_INET 2
#define SL_AF_INET6 10

SL_INLINE int xdp_drop(__u32 reason)
{
	sl_count_drop(reason);
	return XDP_DROP;
}

SL_INLINE int tc_drop(__u32 reason)
{
	sl_count_drop(reason);
	return TC_ACT_SHOT;
}

SL_INLINE int same_backend(const struct sl_ct_entry *entry, const struct sl_backend *backend)
{
	return backend && backend->port == entry->nat_port &&
	       sl_addr_equal(&backend->addr, &entry->nat_addr);
}

SL_INLINE int source_allowed(const struct sl_frontend *fe, const struct sl_pkt *pkt)
{
	struct sl_source_range_key key = {};

	if (!(fe->flags & SL_FE_SOURCE_RANGES))
		return 1;
	key.prefixlen = 32 + (pkt->family == SL_FAMILY_IPV4 ? 32 : 128);
	key.service_id = bpf_htonl(fe->service_id);
	__builtin_memcpy(key.addr, pkt->src.bytes, 16);
	return bpf_map_lookup_elem(&sl_srcrange_v1, &key) != NULL;
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
	int err;

	entry.last_seen_ns = now;
	entry.state = SL_CT_NEW;
	entry.backend_id = backend_id;
	entry.service_id = fe->service_id;
	entry.flags = SL_CT_F_EXTERNAL;

	if (!(backend->flags & SL_BE_LOCAL) && !(fe->flags & SL_FE_LOCAL_ONLY) &&
	    (fe->flags & SL_FE_DSR) && pkt->family == SL_FAMILY_IPV4) {
		/* DSR: on the way out the DNATed packet is wrapped in IPIP carrying the frontend;
		 * the backend's node unwraps it and answers the client directly. */
		__builtin_memset(&key, 0, sizeof(key));
		key.src = pkt->src;
		key.sport = pkt->sport;
		key.dst = backend->addr;
		key.dport = backend->port;
		key.proto = pkt->proto;
		key.family = pkt->family;
		key.dir = SL_CT_SNAT_OUT;
		entry.flags |= SL_CT_F_DSR;
		entry.nat_addr = pkt->dst;
		entry.nat_port = pkt->dport;
		if (bpf_map_update_elem(&sl_ct_v2, &key, &entry, BPF_ANY))
			return SLUICE_DROP_CT_FULL;
	} else if (!(backend->flags & SL_BE_LOCAL) && !(fe->flags & SL_FE_LOCAL_ONLY)) {
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
		__builtin_memset(&key, 0, sizeof(key));
		key.src = pkt->src;
		key.sport = pkt->sport;
		key.dst = backend->addr;
		key.dport = backend->port;
		key.proto = pkt->proto;
		key.family = pkt->family;
		key.dir = SL_CT_SNAT_OUT;
		entry.nat_addr = node;
		entry.nat_port = snat_port;
		if (bpf_map_update_elem(&sl_ct_v2, &key, &entry, BPF_ANY))
			return SLUICE_DROP_CT_FULL;
		__builtin_memset(&entry.client_addr, 0, sizeof(entry.client_addr));
		entry.client_port = 0;
	}

	ct_key_of(&key, pkt, SL_CT_FORWARD);
	entry.nat_addr = backend->addr;
	entry.nat_port = backend->port;
	if (bpf_map_update_elem(&sl_ct_v2, &key, &entry, BPF_ANY))
		return SLUICE_DROP_CT_FULL;
	key.src = backend->addr;
	key.sport = backend->port;
	key.dst = pkt->src;
	key.dport = pkt->sport;
	key.dir = SL_CT_REPLY;
	entry.nat_addr = pkt->dst;
	entry.nat_port = pkt->dport;
	if (bpf_map_update_elem(&sl_ct_v2, &key, &entry, BPF_ANY))
		return SLUICE_DROP_CT_FULL;
	return 0;
}

SL_INLINE __u16 csum16_add(__u16 csum, __u16 addend)
{
	__u32 sum = (__u32)csum + addend;

	return (__u16)(sum + (sum >> 16));
}

/* RFC 1624: the checksum at *csum after a 16-bit word changes from old to new. */
SL_INLINE void csum16_replace(__sum16 *csum, __u16 old, __u16 new)
{
	*csum = ~csum16_add(csum16_add(~*csum, ~old), new);
}

/* A ping to a LoadBalancer or external IP is answered here, as a host with that address would
 * (the address may be on no interface at all). */
SL_INLINE int vip_echo_reply(struct xdp_md *ctx, const struct sl_pkt *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sl_vip_key vip = {};
	struct ethhdr *eth = data;
	struct icmphdr *icmp;
	__u32 l3_off = pkt->l3_off, l4_off = pkt->l4_off;
	__u8 mac[ETH_ALEN];
	__u16 before, after;

	vip.addr = pkt->dst;
	vip.family = pkt->family;
	if (!bpf_map_lookup_elem(&sl_vip_v1, &vip))
		return XDP_PASS;
	if (l3_off > SL_XDP_MAX_L3_OFF || l4_off > SL_XDP_MAX_L4_OFF)
		return XDP_PASS;
	icmp = data + l4_off;
	if ((void *)(eth + 1) > data_end || (void *)(icmp + 1) > data_end)
		return XDP_PASS;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);

	before = *(__u16 *)icmp;
	icmp->type = pkt->family == SL_FAMILY_IPV4 ? ICMP_ECHOREPLY : ICMPV6_ECHO_REPLY;
	after = *(__u16 *)icmp;
	csum16_replace(&icmp->checksum, before, after); /* swapped addresses: same pseudo sum */
	if (pkt->family == SL_FAMILY_IPV4) {
		struct iphdr *ip = data + l3_off;
		__be32 addr;

		if ((void *)(ip + 1) > data_end)
			return XDP_PASS;
		before = *(__u16 *)&ip->ttl;
		ip->ttl = 64;
		after = *(__u16 *)&ip->ttl;
		csum16_replace(&ip->check, before, after);
		addr = ip->saddr;
		ip->saddr = ip->daddr;
		ip->daddr = addr;
	} else {
		struct ipv6hdr *ip6 = data + l3_off;
		struct in6_addr addr;

		if ((void *)(ip6 + 1) > data_end)
			return XDP_PASS;
		ip6->hop_limit = 64;
		addr = ip6->saddr;
		ip6->saddr = ip6->daddr;
		ip6->daddr = addr;
	}
	return XDP_TX;
}

/* The all-XDP path: a translated packet that leaves through the interface it came in on, towards
 * a next hop whose MAC the kernel already knows, is sent from here (XDP_TX) and never enters the
 * kernel's stack. Otherwise (another interface, no neighbour yet, TTL running out) the caller
 * takes the kernel path. Fills *fib on success. */
SL_INLINE int xdp_can_tx(struct xdp_md *ctx, const struct sl_pkt *pkt, const union sl_addr *src,
			 __be16 sport, const union sl_addr *dst, __be16 dport,
			 struct bpf_fib_lookup *fib)
{
	__builtin_memset(fib, 0, sizeof(*fib));
	if (pkt->ttl <= 1)
		return 0; /* the kernel answers "time exceeded" */
	fib->ifindex = ctx->ingress_ifindex;
	fib->l4_protocol = pkt->proto;
	fib->sport = sport;
	fib->dport = dport;
	if (pkt->family == SL_FAMILY_IPV4) {
		fib->family = SL_AF_INET;
		fib->tot_len = pkt->l3_len;
		fib->ipv4_src = src->v4;
		fib->ipv4_dst = dst->v4;
	} else {
		fib->family = SL_AF_INET6;
		__builtin_memcpy(fib->ipv6_src, src->v6, 16);
		__builtin_memcpy(fib->ipv6_dst, dst->v6, 16);
	}
	if (bpf_fib_lookup(ctx, fib, sizeof(*fib), 0) != BPF_FIB_LKUP_RET_SUCCESS)
		return 0;
	return fib->ifindex == ctx->ingress_ifindex;
}

/* Sends a translated packet back out: next hop's MAC, our MAC, TTL / hop limit one less. */
SL_INLINE int xdp_tx(struct xdp_md *ctx, const struct sl_pkt *pkt,
		     const struct bpf_fib_lookup *fib)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 l3_off = pkt->l3_off;

	if ((void *)(eth + 1) > data_end || l3_off > SL_XDP_MAX_L3_OFF)
		return XDP_DROP;
	__builtin_memcpy(eth->h_dest, fib->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib->smac, ETH_ALEN);
	if (pkt->family == SL_FAMILY_IPV4) {
		struct iphdr *ip = data + l3_off;
		__u16 before, after;

		if ((void *)(ip + 1) > data_end)
			return XDP_DROP;
		before = *(__u16 *)&ip->ttl;
		ip->ttl--;
		after = *(__u16 *)&ip->ttl;
		csum16_replace(&ip->check, before, after);
	} else {
		struct ipv6hdr *ip6 = data + l3_off;

		if ((void *)(ip6 + 1) > data_end)
			return XDP_DROP;
		ip6->hop_limit--;
	}
	return XDP_TX;
}

/* DSR, on the backend's node: an IPIP packet from another node's external path carries a
 * DNATed client packet; the outer source and IP id name the frontend (address, port). The
 * frontend must be a DSR frontend here too. Its reply entry is recorded (so the backend's answer
 * leaves with the frontend as source, tc_ext_egress), the outer header is removed, and the
 * client packet goes on to the backend. */
SL_INLINE int dsr_decap(struct xdp_md *ctx, const struct sl_pkt *pkt, __u64 now)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *outer = data + sizeof(struct ethhdr);
	struct iphdr *inner = (void *)(outer + 1);
	struct sl_frontend *fe;
	struct sl_ct_key key = {};
	struct sl_ct_entry entry = {}, *existing;
	struct ethhdr eth;
	__be16 *ports;

	if (pkt->l3_off != sizeof(struct ethhdr) || (void *)(inner + 1) > data_end)
		return XDP_PASS;
	if (outer->ihl != 5 || inner->version != 4 || inner->ihl != 5)
		return XDP_PASS;
	if (inner->protocol != IPPROTO_TCP && inner->protocol != IPPROTO_UDP)
		return XDP_PASS;
	if (inner->frag_off & bpf_htons(SL_IP_OFFSET))
		return XDP_PASS;
	ports = (void *)(inner + 1);
	if ((void *)(ports + 2) > data_end)
		return XDP_PASS;
	key.src.v4 = outer->saddr;
	fe = lb_lookup_frontend(&key.src, outer->id, inner->protocol, SL_FAMILY_IPV4);
	if (!fe || !(fe->flags & SL_FE_DSR))
		return XDP_PASS; /* not a DSR frontend of ours: not ours to unwrap */

	entry.nat_addr.v4 = outer->saddr;
	entry.nat_port = outer->id;
	entry.service_id = fe->service_id;
	entry.last_seen_ns = now;
	entry.flags = SL_CT_F_EXTERNAL | SL_CT_F_DSR;
	__builtin_memset(&key, 0, sizeof(key));
	key.src.v4 = inner->daddr;
	key.sport = ports[1];
	key.dst.v4 = inner->saddr;
	key.dport = ports[0];
	key.proto = inner->protocol;
	key.family = SL_FAMILY_IPV4;
	key.dir = SL_CT_REPLY;
	existing = bpf_map_lookup_elem(&sl_ct_v2, &key);
	if (existing && existing->nat_addr.v4 == entry.nat_addr.v4 &&
	    existing->nat_port == entry.nat_port) {
		existing->last_seen_ns = now;
	} else if (bpf_map_update_elem(&sl_ct_v2, &key, &entry, BPF_ANY)) {
		return xdp_drop(SLUICE_DROP_CT_FULL);
	}

	__builtin_memcpy(&eth, data, sizeof(eth));
	if (bpf_xdp_adjust_head(ctx, (int)sizeof(struct iphdr)))
		return xdp_drop(SLUICE_DROP_NAT_FAILED);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + sizeof(eth) > data_end)
		return xdp_drop(SLUICE_DROP_NAT_FAILED);
	__builtin_memcpy(data, &eth, sizeof(eth));
	return XDP_PASS;
}

SEC("xdp")
int xdp_ext_ingress(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct sl_pkt pkt = {};
	struct sl_ct_key key;
	struct sl_ct_entry *entry;
	struct sl_frontend *fe;
	struct sl_backend *backend = NULL;
	struct bpf_fib_lookup fib;
	union sl_addr to;
	__be16 to_port;
	__u32 backend_id = 0, hash;
	__u64 now = bpf_ktime_get_ns();
	int new_flow = 0, err;

	if (parse_packet(data, data_end, &pkt))
		return XDP_PASS; /* not parseable: the kernel's to judge (and drop) */
	if (!pkt.family || pkt.fragment == SL_FRAG_LATER)
		return XDP_PASS;
	if (!pkt.fragment && ((pkt.proto == IPPROTO_ICMP && pkt.icmp_type == ICMP_ECHO) ||
			      (pkt.proto == IPPROTO_ICMPV6 && pkt.icmp_type == ICMPV6_ECHO_REQUEST)))
		return vip_echo_reply(ctx, &pkt);
	if (pkt.proto == IPPROTO_IPIP && pkt.family == SL_FAMILY_IPV4 && !pkt.fragment)
		return dsr_decap(ctx, &pkt, now);
	if (pkt.proto != IPPROTO_TCP && pkt.proto != IPPROTO_UDP)
		return XDP_PASS;

	/* A backend's reply to a flow this node source-NATed: the client becomes its destination. */
	ct_key_of(&key, &pkt, SL_CT_SNAT_IN);
	entry = bpf_map_lookup_elem(&sl_ct_v2, &key);
	if (entry && ct_alive(entry, pkt.proto, now)) {
		union sl_addr frontend = entry->nat_addr;
		__be16 frontend_port = entry->nat_port;
		__u32 service_id = entry->service_id;
		struct sl_ct_entry *forward;

		ct_on_packet(entry, &pkt, 1, now);
		to = entry->client_addr;
		to_port = entry->client_port;
		if (xdp_can_tx(ctx, &pkt, &frontend, frontend_port, &to, to_port, &fib)) {
			/* All of the reply's translation here; the forward entry learns it too. */
			key.src = to;
			key.sport = to_port;
			key.dst = frontend;
			key.dport = frontend_port;
			key.dir = SL_CT_FORWARD;
			forward = bpf_map_lookup_elem(&sl_ct_v2, &key);
			if (forward)
				ct_on_packet(forward, &pkt, 1, now);
			sl_count_service(service_id, (__u64)(data_end - data), 0);
			err = xdp_nat(ctx, &pkt, &frontend, frontend_port, &to, to_port);
			return err ? xdp_drop(err) : xdp_tx(ctx, &pkt, &fib);
		}
		err = xdp_nat(ctx, &pkt, &pkt.src, pkt.sport, &to, to_port);
		return err ? xdp_drop(err) : XDP_PASS;
	}

	fe = lb_lookup_frontend(&pkt.dst, pkt.dport, pkt.proto, pkt.family);
	if (!fe || fe->kind == SL_KIND_CLUSTER_IP)
		return XDP_PASS;
	if (pkt.fragment == SL_FRAG_FIRST)
		return xdp_drop(SLUICE_DROP_FRAGMENT); /* its later fragments could not follow */
	if (!source_allowed(fe, &pkt))
		return xdp_drop(SLUICE_DROP_SOURCE_RANGE);

	ct_key_of(&key, &pkt, SL_CT_FORWARD);
	entry = bpf_map_lookup_elem(&sl_ct_v2, &key);
	if (entry && entry->service_id == fe->service_id && ct_alive(entry, pkt.proto, now) &&
	    !ct_is_new_syn(entry, &pkt)) {
		backend = lb_backend(fe->service_id, entry->backend_id);
		if (same_backend(entry, backend)) {
			backend_id = entry->backend_id;
			ct_on_packet(entry, &pkt, 0, now);
		} else {
			backend = NULL;
		}
	}
	if (!backend) {
		hash = lb_flow_hash(&pkt.src, &pkt.dst, pkt.sport, pkt.dport, pkt.proto);
		backend_id = lb_select(fe, &pkt.src, pkt.family, hash, now);
		backend = lb_backend(fe->service_id, backend_id);
		if (!backend)
			return xdp_drop((fe->flags & SL_FE_LOCAL_ONLY) ? SLUICE_DROP_NO_LOCAL_BACKEND
								    : SLUICE_DROP_NO_BACKEND);
		err = ext_ct_create(&pkt, fe, backend, backend_id, hash, now);
		if (err)
			return xdp_drop(err);
		new_flow = 1;
	}
	sl_count_service(fe->service_id, (__u64)(data_end - data), new_flow);
	to = backend->addr;
	to_port = backend->port;
	if (!(backend->flags & SL_BE_LOCAL) && !(fe->flags & SL_FE_LOCAL_ONLY) &&
	    !((fe->flags & SL_FE_DSR) && pkt.family == SL_FAMILY_IPV4)) {
		/* Source-NATed to a remote backend: both translations here when XDP can send it. */
		struct sl_ct_entry *out;

		__builtin_memset(&key, 0, sizeof(key));
		key.src = pkt.src;
		key.sport = pkt.sport;
		key.dst = to;
		key.dport = to_port;
		key.proto = pkt.proto;
		key.family = pkt.family;
		key.dir = SL_CT_SNAT_OUT;
		out = bpf_map_lookup_elem(&sl_ct_v2, &key);
		if (out) {
			union sl_addr node = out->nat_addr;
			__be16 node_port = out->nat_port;

			out->last_seen_ns = now;
			if (xdp_can_tx(ctx, &pkt, &node, node_port, &to, to_port, &fib)) {
				err = xdp_nat(ctx, &pkt, &node, node_port, &to, to_port);
				return err ? xdp_drop(err) : xdp_tx(ctx, &pkt, &fib);
			}
		}
	}
	err = xdp_nat(ctx, &pkt, &pkt.src, pkt.sport, &to, to_port);
	return err ? xdp_drop(err) : XDP_PASS;
}

/* DSR, on the frontend's node: wraps the DNATed client packet in IPIP whose source and id name
 * the frontend (dsr_decap reads them on the backend's node). The outer destination is the
 * backend itself: the frame is already addressed to the next hop towards it. */
SL_INLINE int dsr_encap(struct __sk_buff *skb, const struct sl_pkt *pkt, __be32 vip, __be16 port)
{
	struct iphdr outer = {};

	if (pkt->l3_off != sizeof(struct ethhdr))
		return SLUICE_DROP_NAT_FAILED;
	if (bpf_skb_adjust_room(skb, sizeof(outer), BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_ENCAP_L3_IPV4))
		return SLUICE_DROP_NAT_FAILED;
	outer.version = 4;
	outer.ihl = 5;
	outer.ttl = 64;
	outer.protocol = IPPROTO_IPIP;
	outer.tot_len = bpf_htons(pkt->l3_len + sizeof(outer));
	outer.id = port;
	outer.saddr = vip;
	outer.daddr = pkt->dst.v4;
	outer.check = xdp_csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)&outer, sizeof(outer), 0));
	if (bpf_skb_store_bytes(skb, sizeof(struct ethhdr), &outer, sizeof(outer), 0))
		return SLUICE_DROP_NAT_FAILED;
	return 0;
}

SEC("tc")
int tc_ext_egress(struct __sk_buff *skb)
{
	struct sl_pkt pkt = {};
	struct sl_ct_key key;
	struct sl_ct_entry *entry, *forward;
	union sl_addr addr;
	__be16 port;
	__u64 now = bpf_ktime_get_ns();
	int err;

	if (bpf_skb_pull_data(skb, skb->len < 128 ? skb->len : 128))
		;
	err = parse_packet((void *)(long)skb->data, (void *)(long)skb->data_end, &pkt);
	if (err || !pkt.family || pkt.fragment == SL_FRAG_LATER)
		return TC_ACT_OK;
	if (icmp_is_error(&pkt)) {
		err = icmp_error_to_client(skb, &pkt);
		return err ? tc_drop(err) : TC_ACT_OK;
	}
	if (pkt.proto != IPPROTO_TCP && pkt.proto != IPPROTO_UDP)
		return TC_ACT_OK;

	/* On its way to a remote backend: the source becomes this node's reserved address:port. */
	ct_key_of(&key, &pkt, SL_CT_SNAT_OUT);
	entry = bpf_map_lookup_elem(&sl_ct_v2, &key);
	if (entry) {
		entry->last_seen_ns = now;
		addr = entry->nat_addr;
		port = entry->nat_port;
		if (entry->flags & SL_CT_F_DSR)
			err = dsr_encap(skb, &pkt, addr.v4, port);
		else
			err = nat_rewrite_skb(skb, &pkt, SL_NAT_SRC, &addr, port);
		return err ? tc_drop(err) : TC_ACT_OK;
	}

	/* A reply of an external flow: its source goes back to the frontend. */
	ct_key_of(&key, &pkt, SL_CT_REPLY);
	entry = bpf_map_lookup_elem(&sl_ct_v2, &key);
	if (!entry || !(entry->flags & SL_CT_F_EXTERNAL) || !ct_alive(entry, pkt.proto, now))
		return TC_ACT_OK;
	ct_on_packet(entry, &pkt, 1, now);
	addr = entry->nat_addr;
	port = entry->nat_port;
	sl_count_service(entry->service_id, skb->len, 0);

	key.src = pkt.dst;
	key.sport = pkt.dport;
	key.dst = addr;
	key.dport = port;
	key.dir = SL_CT_FORWARD;
	forward = bpf_map_lookup_elem(&sl_ct_v2, &key);
	if (forward)
		ct_on_packet(forward, &pkt, 1, now);

	err = nat_rewrite_skb(skb, &pkt, SL_NAT_SRC, &addr, port);
	return err ? tc_drop(err) : TC_ACT_OK;
}

/* tc ingress, after XDP: ICMP errors about flows this node source-NATed (PMTU from the path to a
 * remote backend) go back to the client in its terms; flows XDP DNATed to a local pod are
 * redirected into the pod's namespace. */
SEC("tc")
int tc_ext_ingress(struct __sk_buff *skb)
{
	struct sl_pkt pkt = {};
	struct bpf_fib_lookup fib = {};
	struct sl_ct_key key = {};
	struct sl_ct_entry *entry;
	int err;

	if (bpf_skb_pull_data(skb, skb->len < 128 ? skb->len : 128))
		;
	err = parse_packet((void *)(long)skb->data, (void *)(long)skb->data_end, &pkt);
	if (err || !pkt.family || pkt.fragment)
		return TC_ACT_OK;
	if (icmp_is_error(&pkt)) {
		err = icmp_error_to_snat_client(skb, &pkt);
		return err ? tc_drop(err) : TC_ACT_OK;
	}
	if (pkt.proto != IPPROTO_TCP && pkt.proto != IPPROTO_UDP)
		return TC_ACT_OK;

	/* An external flow XDP DNATed to a pod on this node: straight into the pod's namespace
	 * (bpf_redirect_peer), past this node's IP stack. */
	key.src = pkt.dst;
	key.sport = pkt.dport;
	key.dst = pkt.src;
	key.dport = pkt.sport;
	key.proto = pkt.proto;
	key.family = pkt.family;
	key.dir = SL_CT_REPLY;
	entry = bpf_map_lookup_elem(&sl_ct_v2, &key);
	if (!entry || !(entry->flags & SL_CT_F_EXTERNAL) || (entry->flags & SL_CT_F_SNAT))
		return TC_ACT_OK;
	fib.ifindex = skb->ifindex;
	fib.l4_protocol = pkt.proto;
	fib.sport = pkt.sport;
	fib.dport = pkt.dport;
	if (pkt.family == SL_FAMILY_IPV4) {
		fib.family = SL_AF_INET;
		fib.tot_len = pkt.l3_len;
		fib.ipv4_src = pkt.src.v4;
		fib.ipv4_dst = pkt.dst.v4;
	} else {
		fib.family = SL_AF_INET6;
		__builtin_memcpy(fib.ipv6_src, pkt.src.v6, 16);
		__builtin_memcpy(fib.ipv6_dst, pkt.dst.v6, 16);
	}
	if (bpf_fib_lookup(skb, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS ||
	    fib.ifindex == skb->ifindex)
		return TC_ACT_OK; /* not resolved yet, or not a pod here: the kernel routes it */
	if (bpf_skb_store_bytes(skb, 0, fib.dmac, ETH_ALEN, 0) ||
	    bpf_skb_store_bytes(skb, ETH_ALEN, fib.smac, ETH_ALEN, 0))
		return tc_drop(SLUICE_DROP_NAT_FAILED);
	return bpf_redirect_peer(fib.ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
