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
#include "dsr.h"
#include "ext_conntrack.h"
#include "icmp_error.h"
#include "lb.h"
#include "maps.h"
#include "nat_skb.h"
#include "nat_xdp.h"
#include "parse.h"
#include "xdp_tx.h"

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
	__u64 now;
	int new_flow = 0, err;

	if (parse_packet(data, data_end, &pkt))
		return XDP_PASS; /* not parseable: the kernel's to judge (and drop) */
	if (!pkt.family || pkt.fragment == SL_FRAG_LATER)
		return XDP_PASS;
	if (!pkt.fragment && ((pkt.proto == IPPROTO_ICMP && pkt.icmp_type == ICMP_ECHO) ||
			      (pkt.proto == IPPROTO_ICMPV6 && pkt.icmp_type == ICMPV6_ECHO_REQUEST)))
		return vip_echo_reply(ctx, &pkt);
	if (pkt.proto == IPPROTO_IPIP && pkt.family == SL_FAMILY_IPV4 && !pkt.fragment)
		return dsr_decap(ctx, &pkt, bpf_ktime_get_ns());
	if (pkt.proto != IPPROTO_TCP && pkt.proto != IPPROTO_UDP)
		return XDP_PASS;
	now = bpf_ktime_get_ns(); /* only for what may be a flow of ours */

	/* A backend's reply to a flow this node source-NATed: the client becomes its destination.
	 * Only a node port of the SNAT range can be one, which spares most packets the lookup. */
	entry = NULL;
	if (bpf_ntohs(pkt.dport) >= SL_SNAT_PORT_MIN &&
	    bpf_ntohs(pkt.dport) < SL_SNAT_PORT_MIN + SL_SNAT_PORT_SPAN) {
		ct_key_of(&key, &pkt, SL_CT_SNAT_IN);
		entry = bpf_map_lookup_elem(&sl_ct_v2, &key);
	}
	if (entry && ct_alive(entry, pkt.proto, now)) {
		union sl_addr frontend = entry->nat_addr;
		__be16 frontend_port = entry->nat_port;
		__u32 service_id = entry->service_id;

		ct_on_packet(entry, &pkt, 1, now);
		to = entry->client_addr;
		to_port = entry->client_port;
		if (xdp_can_tx(ctx, &pkt, &frontend, frontend_port, &to, to_port, &fib)) {
			/* All of the reply's translation here; the forward entry learns it too. */
			ct_forward_learns_reply(&pkt, &to, to_port, &frontend, frontend_port, now);
			sl_count_service(service_id, (__u64)(data_end - data), 0);
			err = xdp_nat(ctx, &pkt, &frontend, frontend_port, &to, to_port);
			return err ? sl_drop_xdp(err) : xdp_tx(ctx, &pkt, &fib);
		}
		err = xdp_nat(ctx, &pkt, &pkt.src, pkt.sport, &to, to_port);
		return err ? sl_drop_xdp(err) : XDP_PASS;
	}

	fe = lb_lookup_frontend(&pkt.dst, pkt.dport, pkt.proto, pkt.family);
	if (!fe || fe->kind == SL_KIND_CLUSTER_IP)
		return XDP_PASS;
	if (pkt.fragment == SL_FRAG_FIRST)
		return sl_drop_xdp(SLUICE_DROP_FRAGMENT); /* its later fragments could not follow */
	if (!source_allowed(fe, &pkt))
		return sl_drop_xdp(SLUICE_DROP_SOURCE_RANGE);

	backend = ct_tracked_backend(fe, &pkt, now, &backend_id);
	if (!backend) {
		hash = lb_flow_hash(&pkt.src, &pkt.dst, pkt.sport, pkt.dport, pkt.proto);
		backend_id = lb_select(fe, &pkt.src, pkt.family, hash, now);
		backend = lb_backend(fe->service_id, backend_id);
		if (!backend)
			return sl_drop_xdp((fe->flags & SL_FE_LOCAL_ONLY) ? SLUICE_DROP_NO_LOCAL_BACKEND
								    : SLUICE_DROP_NO_BACKEND);
		err = ext_ct_create(&pkt, fe, backend, backend_id, hash, now);
		if (err)
			return sl_drop_xdp(err);
		new_flow = 1;
	}
	sl_count_service(fe->service_id, (__u64)(data_end - data), new_flow);
	to = backend->addr;
	to_port = backend->port;
	if (ext_mode(fe, backend, pkt.family) == SL_EXT_SNAT) {
		/* Source-NATed to a remote backend: both translations here when XDP can send it. */
		struct sl_ct_entry *out;

		snat_out_key(&key, &pkt, &to, to_port);
		out = bpf_map_lookup_elem(&sl_ct_v2, &key);
		if (out) {
			union sl_addr node = out->nat_addr;
			__be16 node_port = out->nat_port;

			out->last_seen_ns = now;
			if (xdp_can_tx(ctx, &pkt, &node, node_port, &to, to_port, &fib)) {
				err = xdp_nat(ctx, &pkt, &node, node_port, &to, to_port);
				return err ? sl_drop_xdp(err) : xdp_tx(ctx, &pkt, &fib);
			}
		}
	}
	err = xdp_nat(ctx, &pkt, &pkt.src, pkt.sport, &to, to_port);
	return err ? sl_drop_xdp(err) : XDP_PASS;
}

SEC("tc")
int tc_ext_egress(struct __sk_buff *skb)
{
	struct sl_pkt pkt = {};
	struct sl_ct_key key;
	struct sl_ct_entry *entry;
	union sl_addr addr;
	__be16 port;
	__u64 now = bpf_ktime_get_ns();
	int err;

	err = parse_skb(skb, &pkt);
	if (err || !pkt.family || pkt.fragment == SL_FRAG_LATER)
		return TC_ACT_OK;
	if (icmp_is_error(&pkt)) {
		err = icmp_error_to_client(skb, &pkt);
		return err ? sl_drop_tc(err) : TC_ACT_OK;
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
		return err ? sl_drop_tc(err) : TC_ACT_OK;
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

	ct_forward_learns_reply(&pkt, &pkt.dst, pkt.dport, &addr, port, now);

	err = nat_rewrite_skb(skb, &pkt, SL_NAT_SRC, &addr, port);
	return err ? sl_drop_tc(err) : TC_ACT_OK;
}

/* tc ingress, after XDP: ICMP errors about flows this node source-NATed (PMTU from the path to a
 * remote backend) go back to the client in its terms; flows XDP DNATed to a local pod are
 * redirected into the pod's namespace. */
SEC("tc")
int tc_ext_ingress(struct __sk_buff *skb)
{
	struct sl_pkt pkt = {};
	struct bpf_fib_lookup fib;
	struct sl_ct_key key = {};
	struct sl_ct_entry *entry;
	int err;

	err = parse_skb(skb, &pkt);
	if (err || !pkt.family || pkt.fragment)
		return TC_ACT_OK;
	if (icmp_is_error(&pkt)) {
		err = icmp_error_to_snat_client(skb, &pkt);
		return err ? sl_drop_tc(err) : TC_ACT_OK;
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
	sl_fib_params(&fib, pkt.family, pkt.proto, skb->ifindex, pkt.l3_len, &pkt.src, pkt.sport,
		      &pkt.dst, pkt.dport);
	if (bpf_fib_lookup(skb, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS ||
	    fib.ifindex == skb->ifindex)
		return TC_ACT_OK; /* not resolved yet, or not a pod here: the kernel routes it */
	if (bpf_skb_store_bytes(skb, 0, fib.dmac, ETH_ALEN, 0) ||
	    bpf_skb_store_bytes(skb, ETH_ALEN, fib.smac, ETH_ALEN, 0))
		return sl_drop_tc(SLUICE_DROP_NAT_FAILED);
	return bpf_redirect_peer(fib.ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
