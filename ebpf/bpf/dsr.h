/* SPDX-License-Identifier: GPL-2.0 */
/* Direct server return over IPIP: wrapping on the frontend's node (tc egress), unwrapping on
 * the backend's node (XDP). See docs/ebpf.md. */
#ifndef SLUICE_BPF_DSR_H
#define SLUICE_BPF_DSR_H

#include "common.h"
#include "conntrack.h"
#include "lb.h"
#include "maps.h"
#include "nat_xdp.h"
#include "parse.h"

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
		return sl_drop_xdp(SLUICE_DROP_CT_FULL);
	}

	__builtin_memcpy(&eth, data, sizeof(eth));
	if (bpf_xdp_adjust_head(ctx, (int)sizeof(struct iphdr)))
		return sl_drop_xdp(SLUICE_DROP_NAT_FAILED);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + sizeof(eth) > data_end)
		return sl_drop_xdp(SLUICE_DROP_NAT_FAILED);
	__builtin_memcpy(data, &eth, sizeof(eth));
	return XDP_PASS;
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
	outer.check = sl_csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)&outer, sizeof(outer), 0));
	if (bpf_skb_store_bytes(skb, sizeof(struct ethhdr), &outer, sizeof(outer), 0))
		return SLUICE_DROP_NAT_FAILED;
	return 0;
}


#endif
