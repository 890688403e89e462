/* SPDX-License-Identifier: GPL-2.0 */
/* Turning a packet for a service without eligible backends into an immediate refusal sent back
 * to its sender (tc): a TCP RST for TCP, ICMP/ICMPv6 port unreachable for UDP. The packet is
 * rewritten in place into the answer; the caller redirects it back out the device it came from. */
#ifndef SLUICE_BPF_REJECT_SKB_H
#define SLUICE_BPF_REJECT_SKB_H

#include "common.h"
#include "parse.h"

/* Folds a 32-bit one's complement sum (as bpf_csum_diff returns it) into a checksum. */
struct sl_pseudo4 {
	__be32 src;
	__be32 dst;
	__u8 zero;
	__u8 proto;
	__be16 len;
};

struct sl_pseudo6 {
	__u8 src[16];
	__u8 dst[16];
	__be32 len;
	__u8 zero[3];
	__u8 next;
};

/* Writes Ethernet (addresses swapped) and a fresh IP header from `to` ← `from` for an answer of
 * l4_len bytes of protocol proto. Returns the L4 offset, or < 0. */
SL_INLINE int reject_write_l2l3(struct __sk_buff *skb, const struct sl_pkt *pkt, __u8 proto,
				__u16 l4_len, __s64 *pseudo_sum)
{
	struct ethhdr eth;

	if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)))
		return -1;
	{
		unsigned char tmp[ETH_ALEN];

		__builtin_memcpy(tmp, eth.h_dest, ETH_ALEN);
		__builtin_memcpy(eth.h_dest, eth.h_source, ETH_ALEN);
		__builtin_memcpy(eth.h_source, tmp, ETH_ALEN);
	}
	if (bpf_skb_store_bytes(skb, 0, &eth, sizeof(eth), 0))
		return -1;

	if (pkt->family == SL_FAMILY_IPV4) {
		struct iphdr ip = {};
		struct sl_pseudo4 ph = {};

		ip.version = 4;
		ip.ihl = 5;
		ip.ttl = 64;
		ip.protocol = proto;
		ip.frag_off = bpf_htons(0x4000); /* DF */
		ip.tot_len = bpf_htons(sizeof(ip) + l4_len);
		ip.saddr = pkt->dst.v4;
		ip.daddr = pkt->src.v4;
		ip.check = sl_csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)&ip, sizeof(ip), 0));
		if (bpf_skb_store_bytes(skb, sizeof(eth), &ip, sizeof(ip), 0))
			return -1;
		ph.src = ip.saddr;
		ph.dst = ip.daddr;
		ph.proto = proto;
		ph.len = bpf_htons(l4_len);
		*pseudo_sum = proto == IPPROTO_ICMP ? 0
			: bpf_csum_diff(NULL, 0, (__be32 *)&ph, sizeof(ph), 0);
		return sizeof(eth) + sizeof(ip);
	} else {
		struct ipv6hdr ip6 = {};
		struct sl_pseudo6 ph = {};

		ip6.version = 6;
		ip6.hop_limit = 64;
		ip6.nexthdr = proto;
		ip6.payload_len = bpf_htons(l4_len);
		__builtin_memcpy(&ip6.saddr, &pkt->dst, 16);
		__builtin_memcpy(&ip6.daddr, &pkt->src, 16);
		if (bpf_skb_store_bytes(skb, sizeof(eth), &ip6, sizeof(ip6), 0))
			return -1;
		__builtin_memcpy(ph.src, &pkt->dst, 16);
		__builtin_memcpy(ph.dst, &pkt->src, 16);
		ph.len = bpf_htonl(l4_len);
		ph.next = proto;
		*pseudo_sum = bpf_csum_diff(NULL, 0, (__be32 *)&ph, sizeof(ph), 0);
		return sizeof(eth) + sizeof(ip6);
	}
}

/* RST answering a TCP segment (RFC 9293 §3.10.7.1): seq = their ack if they sent one, else 0
 * with ACK set to acknowledge everything they sent. */
SL_INLINE int reject_tcp(struct __sk_buff *skb, const struct sl_pkt *pkt)
{
	struct tcphdr in, rst = {};
	__u32 payload, ack;
	__s64 sum = 0;
	__u16 ip_hdr_len = pkt->family == SL_FAMILY_IPV4 ? sizeof(struct iphdr)
							  : sizeof(struct ipv6hdr);
	int l4_off;

	if (bpf_skb_load_bytes(skb, pkt->l4_off, &in, sizeof(in)))
		return -1;
	payload = pkt->l3_len - (pkt->l4_off - pkt->l3_off) - in.doff * 4;
	if (pkt->l3_len < (pkt->l4_off - pkt->l3_off) + in.doff * 4)
		payload = 0;
	if (bpf_skb_change_tail(skb, sizeof(struct ethhdr) + ip_hdr_len + sizeof(rst), 0))
		return -1;

	rst.source = pkt->dport;
	rst.dest = pkt->sport;
	rst.doff = 5;
	rst.rst = 1;
	if (in.ack) {
		rst.seq = in.ack_seq;
	} else {
		ack = bpf_ntohl(in.seq) + payload + in.syn + in.fin;
		rst.ack_seq = bpf_htonl(ack);
		rst.ack = 1;
	}
	l4_off = reject_write_l2l3(skb, pkt, IPPROTO_TCP, sizeof(rst), &sum);
	if (l4_off < 0)
		return -1;
	rst.check = sl_csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)&rst, sizeof(rst), sum));
	return bpf_skb_store_bytes(skb, l4_off, &rst, sizeof(rst), 0) ? -1 : 0;
}

/* ICMP (IPv4: type 3 code 3) / ICMPv6 (type 1 code 4) port unreachable quoting the offending
 * datagram's IP header (rebuilt without options) and first 8 bytes of its UDP header. */
SL_INLINE int reject_udp(struct __sk_buff *skb, const struct sl_pkt *pkt)
{
	struct udphdr udp;
	__s64 sum = 0;
	int l4_off;

	if (bpf_skb_load_bytes(skb, pkt->l4_off, &udp, sizeof(udp)))
		return -1;

	if (pkt->family == SL_FAMILY_IPV4) {
		struct {
			struct icmphdr icmp;
			struct iphdr ip;
			struct udphdr udp;
		} msg = {};

		if (bpf_skb_load_bytes(skb, pkt->l3_off, &msg.ip, sizeof(msg.ip)))
			return -1;
		msg.ip.ihl = 5;
		msg.ip.check = 0;
		msg.ip.check = sl_csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)&msg.ip, sizeof(msg.ip), 0));
		msg.udp = udp;
		msg.icmp.type = ICMP_DEST_UNREACH;
		msg.icmp.code = ICMP_PORT_UNREACH;
		if (bpf_skb_change_tail(skb, sizeof(struct ethhdr) + sizeof(struct iphdr) + sizeof(msg), 0))
			return -1;
		l4_off = reject_write_l2l3(skb, pkt, IPPROTO_ICMP, sizeof(msg), &sum);
		if (l4_off < 0)
			return -1;
		msg.icmp.checksum = sl_csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)&msg, sizeof(msg), 0));
		return bpf_skb_store_bytes(skb, l4_off, &msg, sizeof(msg), 0) ? -1 : 0;
	} else {
		struct {
			struct icmp6hdr icmp;
			struct ipv6hdr ip;
			struct udphdr udp;
		} msg = {};

		if (bpf_skb_load_bytes(skb, pkt->l3_off, &msg.ip, sizeof(msg.ip)))
			return -1;
		msg.ip.nexthdr = IPPROTO_UDP; /* extension headers are not quoted */
		msg.ip.payload_len = udp.len;
		msg.udp = udp;
		msg.icmp.icmp6_type = ICMPV6_DEST_UNREACH;
		msg.icmp.icmp6_code = ICMPV6_PORT_UNREACH;
		if (bpf_skb_change_tail(skb, sizeof(struct ethhdr) + sizeof(struct ipv6hdr) + sizeof(msg), 0))
			return -1;
		l4_off = reject_write_l2l3(skb, pkt, IPPROTO_ICMPV6, sizeof(msg), &sum);
		if (l4_off < 0)
			return -1;
		msg.icmp.icmp6_cksum =
			sl_csum_fold(bpf_csum_diff(NULL, 0, (__be32 *)&msg, sizeof(msg), sum));
		return bpf_skb_store_bytes(skb, l4_off, &msg, sizeof(msg), 0) ? -1 : 0;
	}
}

#endif
