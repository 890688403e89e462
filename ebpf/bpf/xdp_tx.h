/* SPDX-License-Identifier: GPL-2.0 */
/* XDP sending frames back out by itself: 16-bit checksum fix-ups, ping answers for
 * LoadBalancer/external IPs, and the all-XDP path for translated flows (bpf_fib_lookup + XDP_TX). */
#ifndef SLUICE_BPF_XDP_TX_H
#define SLUICE_BPF_XDP_TX_H

#include "common.h"
#include "maps.h"
#include "nat_xdp.h"
#include "parse.h"

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
	if (pkt->ttl <= 1)
		return 0; /* the kernel answers "time exceeded" */
	sl_fib_params(fib, pkt->family, pkt->proto, ctx->ingress_ifindex, pkt->l3_len, src, sport,
		      dst, dport);
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


#endif
