/* SPDX-License-Identifier: GPL-2.0 */
/* Address/port rewrites on an sk_buff (tc) with incremental checksum updates: IPv4 header
 * checksum, and the TCP/UDP checksum including its pseudo header (IPv4 and IPv6). A UDP/IPv4
 * datagram without checksum (0) stays without one. */
#ifndef SLUICE_BPF_NAT_SKB_H
#define SLUICE_BPF_NAT_SKB_H

#include <stddef.h>

#include "common.h"
#include "parse.h"

#define SL_NAT_SRC 0
#define SL_NAT_DST 1

SL_INLINE int nat_l4_csum_off(const struct sl_pkt *pkt, __u32 *csum_off, __u64 *flags)
{
	switch (pkt->proto) {
	case IPPROTO_TCP:
		*csum_off = pkt->l4_off + offsetof(struct tcphdr, check);
		*flags = 0;
		return 1;
	case IPPROTO_UDP:
		*csum_off = pkt->l4_off + offsetof(struct udphdr, check);
		*flags = pkt->family == SL_FAMILY_IPV4 ? BPF_F_MARK_MANGLED_0 : 0;
		return 1;
	default:
		return 0;
	}
}

/* Rewrites the source or destination address and port of pkt. Returns 0 or
 * SLUICE_DROP_NAT_FAILED. */
SL_INLINE int nat_rewrite_skb(struct __sk_buff *skb, const struct sl_pkt *pkt, int side,
			      const union sl_addr *new_addr, __be16 new_port)
{
	const union sl_addr *old_addr = side == SL_NAT_DST ? &pkt->dst : &pkt->src;
	__be16 old_port = side == SL_NAT_DST ? pkt->dport : pkt->sport;
	__u32 port_off = pkt->l4_off + (side == SL_NAT_DST ? 2 : 0);
	__u32 csum_off = 0;
	__u64 flags = 0;
	int has_l4 = nat_l4_csum_off(pkt, &csum_off, &flags);

	if (pkt->family == SL_FAMILY_IPV4) {
		__u32 addr_off = pkt->l3_off + (side == SL_NAT_DST ? offsetof(struct iphdr, daddr)
								    : offsetof(struct iphdr, saddr));

		if (has_l4 && bpf_l4_csum_replace(skb, csum_off, old_addr->v4, new_addr->v4,
						  flags | BPF_F_PSEUDO_HDR | 4))
			return SLUICE_DROP_NAT_FAILED;
		if (bpf_l3_csum_replace(skb, pkt->l3_off + offsetof(struct iphdr, check),
					old_addr->v4, new_addr->v4, 4))
			return SLUICE_DROP_NAT_FAILED;
		if (bpf_skb_store_bytes(skb, addr_off, &new_addr->v4, 4, 0))
			return SLUICE_DROP_NAT_FAILED;
	} else {
		__u32 addr_off = pkt->l3_off + (side == SL_NAT_DST ? offsetof(struct ipv6hdr, daddr)
								    : offsetof(struct ipv6hdr, saddr));
		__s64 diff = bpf_csum_diff((__be32 *)old_addr->v6, 16, (__be32 *)new_addr->v6, 16, 0);

		if (has_l4 && bpf_l4_csum_replace(skb, csum_off, 0, diff, flags | BPF_F_PSEUDO_HDR))
			return SLUICE_DROP_NAT_FAILED;
		if (bpf_skb_store_bytes(skb, addr_off, new_addr->v6, 16, 0))
			return SLUICE_DROP_NAT_FAILED;
	}
	if (has_l4 && old_port != new_port) {
		if (bpf_l4_csum_replace(skb, csum_off, old_port, new_port, flags | 2))
			return SLUICE_DROP_NAT_FAILED;
		if (bpf_skb_store_bytes(skb, port_off, &new_port, 2, 0))
			return SLUICE_DROP_NAT_FAILED;
	}
	return 0;
}

#endif
