/* SPDX-License-Identifier: GPL-2.0 */
/* Parsing Ethernet / IPv4 / IPv6 / TCP / UDP / ICMP from a linear packet (XDP, or tc after
 * bpf_skb_pull_data). Every read is bounds-checked against data_end; a truncated or invalid
 * header is reported as a drop reason, never read past. */
#ifndef SLUICE_BPF_PARSE_H
#define SLUICE_BPF_PARSE_H

#include "common.h"

#define SL_MAX_IPV6_EXT 4

struct sl_pkt {
	union sl_addr src;
	union sl_addr dst;
	__be16 sport;    /* TCP/UDP ports; ICMP echo: the identifier in both */
	__be16 dport;
	__u16 l3_off;    /* from the start of the frame */
	__u16 l4_off;
	__u16 l3_len;    /* IP total length (IPv4) / payload + 40 (IPv6) */
	__u8 family;     /* SL_FAMILY_IPV4 / SL_FAMILY_IPV6, 0 = not IP */
	__u8 proto;      /* L4 protocol after IPv6 extension headers */
	__u8 tcp_flags;  /* the flag byte of the TCP header */
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 fragment;   /* 1: first fragment (has L4), 2: later fragment (no L4) */
	__u8 ttl;        /* TTL / hop limit */
	__u8 pad[3];
};

#define SL_FRAG_FIRST 1
#define SL_FRAG_LATER 2

#define SL_TCP_FIN 0x01
#define SL_TCP_SYN 0x02
#define SL_TCP_RST 0x04
#define SL_TCP_ACK 0x10

SL_INLINE int parse_l4(void *data, void *data_end, struct sl_pkt *pkt)
{
	void *l4 = data + pkt->l4_off;

	/* One register for l4: clang may otherwise recompute it after the bounds check, and the
	 * verifier does not carry the check over to the copy. */
	asm volatile("" : "+r"(l4));
	if (pkt->fragment == SL_FRAG_LATER)
		return 0;
	switch (pkt->proto) {
	case IPPROTO_TCP: {
		struct tcphdr *tcp = l4;

		if ((void *)(tcp + 1) > data_end || tcp->doff < 5)
			return SLUICE_DROP_MALFORMED_L4;
		pkt->sport = tcp->source;
		pkt->dport = tcp->dest;
		pkt->tcp_flags = ((__u8 *)tcp)[13];
		return 0;
	}
	case IPPROTO_UDP: {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > data_end)
			return SLUICE_DROP_MALFORMED_L4;
		pkt->sport = udp->source;
		pkt->dport = udp->dest;
		return 0;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		struct icmphdr *icmp = l4; /* type, code, checksum, then id/seq for echo */

		if ((void *)(icmp + 1) > data_end)
			return SLUICE_DROP_MALFORMED_L4;
		pkt->icmp_type = icmp->type;
		pkt->icmp_code = icmp->code;
		pkt->sport = icmp->un.echo.id;
		pkt->dport = icmp->un.echo.id;
		return 0;
	}
	default:
		return 0;
	}
}

SL_INLINE int parse_ipv4(void *data, void *data_end, struct sl_pkt *pkt)
{
	struct iphdr *ip = data + pkt->l3_off;
	__u16 frag;

	if ((void *)(ip + 1) > data_end)
		return SLUICE_DROP_MALFORMED_L3;
	if (ip->version != 4 || ip->ihl < 5)
		return SLUICE_DROP_MALFORMED_L3;
	if (bpf_ntohs(ip->tot_len) < ip->ihl * 4)
		return SLUICE_DROP_MALFORMED_L3;
	pkt->family = SL_FAMILY_IPV4;
	pkt->src.v4 = ip->saddr;
	pkt->dst.v4 = ip->daddr;
	pkt->proto = ip->protocol;
	pkt->ttl = ip->ttl;
	pkt->l3_len = bpf_ntohs(ip->tot_len);
	pkt->l4_off = pkt->l3_off + ip->ihl * 4;
	frag = bpf_ntohs(ip->frag_off);
	if (frag & SL_IP_OFFSET)
		pkt->fragment = SL_FRAG_LATER;
	else if (frag & SL_IP_MF)
		pkt->fragment = SL_FRAG_FIRST;
	return parse_l4(data, data_end, pkt);
}

SL_INLINE int parse_ipv6(void *data, void *data_end, struct sl_pkt *pkt)
{
	struct ipv6hdr *ip6 = data + pkt->l3_off;
	__u16 off = pkt->l3_off + sizeof(struct ipv6hdr);
	__u8 next;

	if ((void *)(ip6 + 1) > data_end)
		return SLUICE_DROP_MALFORMED_L3;
	if (ip6->version != 6)
		return SLUICE_DROP_MALFORMED_L3;
	pkt->family = SL_FAMILY_IPV6;
	__builtin_memcpy(&pkt->src, &ip6->saddr, 16);
	__builtin_memcpy(&pkt->dst, &ip6->daddr, 16);
	pkt->ttl = ip6->hop_limit;
	pkt->l3_len = bpf_ntohs(ip6->payload_len) + sizeof(struct ipv6hdr);
	next = ip6->nexthdr;

#pragma unroll
	for (int i = 0; i < SL_MAX_IPV6_EXT; i++) {
		__u8 *ext = data + off;

		if (next != NEXTHDR_HOP && next != NEXTHDR_ROUTING && next != NEXTHDR_DEST &&
		    next != NEXTHDR_FRAGMENT)
			break;
		if ((void *)(ext + 8) > data_end)
			return SLUICE_DROP_MALFORMED_L3;
		if (next == NEXTHDR_FRAGMENT) {
			__u16 frag = bpf_ntohs(*(__be16 *)(ext + 2));

			if (frag & 0xfff8)
				pkt->fragment = SL_FRAG_LATER;
			else if (frag & 1)
				pkt->fragment = SL_FRAG_FIRST;
			next = ext[0];
			off += 8;
		} else {
			next = ext[0];
			off += (ext[1] + 1) * 8;
		}
	}
	if (next == NEXTHDR_HOP || next == NEXTHDR_ROUTING || next == NEXTHDR_DEST ||
	    next == NEXTHDR_FRAGMENT)
		return SLUICE_DROP_MALFORMED_L3; /* more extension headers than we follow */
	pkt->proto = next;
	pkt->l4_off = off;
	return parse_l4(data, data_end, pkt);
}

/* Parses from the Ethernet header. Returns 0 (pkt->family == 0 when not IP) or a drop
 * reason. */
SL_INLINE int parse_packet(void *data, void *data_end, struct sl_pkt *pkt)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return SLUICE_DROP_MALFORMED_L2;
	pkt->l3_off = sizeof(*eth);
	if (eth->h_proto == bpf_htons(ETH_P_IP))
		return parse_ipv4(data, data_end, pkt);
	if (eth->h_proto == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(data, data_end, pkt);
	return 0;
}

/* tc: makes the first 128 bytes linear (what parsing reads) and parses them. */
SL_INLINE int parse_skb(struct __sk_buff *skb, struct sl_pkt *pkt)
{
	if (bpf_skb_pull_data(skb, skb->len < 128 ? skb->len : 128))
		; /* fine: parsing checks bounds against what is linear */
	return parse_packet((void *)(long)skb->data, (void *)(long)skb->data_end, pkt);
}

#endif
