/* SPDX-License-Identifier: GPL-2.0 */
/* Address/port rewrites in XDP, straight in the packet, with incremental checksum updates
 * (RFC 1624): IPv4 header checksum, TCP/UDP checksum with its pseudo header. XDP sees frames as
 * they came off the wire, whose checksums are complete. */
#ifndef SLUICE_BPF_NAT_XDP_H
#define SLUICE_BPF_NAT_XDP_H

#include "common.h"
#include "parse.h"

#define SL_XDP_MAX_L3_OFF 64
#define SL_XDP_MAX_L4_OFF 256

/* The checksum at *csum, updated for `size` bytes (a multiple of 4) changing from → to. */
SL_INLINE void xdp_csum_update(__sum16 *csum, __be32 *from, __be32 *to, __u32 size)
{
	__s64 sum = bpf_csum_diff(from, size, to, size, ~((__u32)*csum) & 0xffff);

	*csum = sl_csum_fold(sum);
}

/* Rewrites source and destination (addresses and ports) of a parsed TCP/UDP packet. Returns 0,
 * or SLUICE_DROP_NAT_FAILED. */
SL_INLINE int xdp_nat(struct xdp_md *ctx, const struct sl_pkt *pkt, const union sl_addr *src,
		      __be16 sport, const union sl_addr *dst, __be16 dport)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 l3_off = pkt->l3_off;
	__u32 l4_off = pkt->l4_off;
	__sum16 *l4_csum = NULL;
	__be16 *ports;
	__be32 old_ports, new_ports;
	int udp_no_csum = 0;

	if (l3_off > SL_XDP_MAX_L3_OFF || l4_off > SL_XDP_MAX_L4_OFF)
		return SLUICE_DROP_NAT_FAILED;
	if (pkt->proto == IPPROTO_TCP) {
		struct tcphdr *tcp = data + l4_off;

		if ((void *)(tcp + 1) > data_end)
			return SLUICE_DROP_NAT_FAILED;
		l4_csum = &tcp->check;
	} else {
		struct udphdr *udp = data + l4_off;

		if ((void *)(udp + 1) > data_end)
			return SLUICE_DROP_NAT_FAILED;
		l4_csum = &udp->check;
		udp_no_csum = pkt->family == SL_FAMILY_IPV4 && udp->check == 0;
	}
	ports = data + l4_off;
	if ((void *)(ports + 2) > data_end)
		return SLUICE_DROP_NAT_FAILED;

	if (pkt->family == SL_FAMILY_IPV4) {
		struct iphdr *ip = data + l3_off;
		__be32 before[2], after[2];

		if ((void *)(ip + 1) > data_end)
			return SLUICE_DROP_NAT_FAILED;
		before[0] = ip->saddr;
		before[1] = ip->daddr;
		after[0] = src->v4;
		after[1] = dst->v4;
		xdp_csum_update(&ip->check, before, after, sizeof(before));
		if (!udp_no_csum)
			xdp_csum_update(l4_csum, before, after, sizeof(before));
		ip->saddr = after[0];
		ip->daddr = after[1];
	} else {
		struct ipv6hdr *ip6 = data + l3_off;
		__be32 before[8], after[8];

		if ((void *)(ip6 + 1) > data_end)
			return SLUICE_DROP_NAT_FAILED;
		__builtin_memcpy(before, &ip6->saddr, 32);
		__builtin_memcpy(after, src->v6, 16);
		__builtin_memcpy(&after[4], dst->v6, 16);
		xdp_csum_update(l4_csum, before, after, sizeof(before));
		__builtin_memcpy(&ip6->saddr, after, 32);
	}
	old_ports = *(__be32 *)ports;
	ports[0] = sport;
	ports[1] = dport;
	new_ports = *(__be32 *)ports;
	if (!udp_no_csum) {
		xdp_csum_update(l4_csum, &old_ports, &new_ports, 4);
		if (pkt->proto == IPPROTO_UDP && *l4_csum == 0)
			*l4_csum = 0xffff; /* 0 would mean "no checksum" */
	}
	return 0;
}

#endif
