// SPDX-License-Identifier: GPL-2.0
// Floor for per-packet cost: what any L4 load balancer must do at least — parse Ethernet, IPv4
// and TCP/UDP, look the 5-tuple up in one hash map, swap the MACs and send the frame back. As XDP
// (the floor of the external path) and as tc (the floor of the pod path, whose BPF_PROG_RUN
// builds an sk_buff per run). Sluice's programs are reported as ratios to these.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct flow {
	__be32 src;
	__be32 dst;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct flow);
	__type(value, __u32);
} floor_flows SEC(".maps");

static __always_inline int parse_lookup(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct flow key = {};
	__be16 *ports;
	unsigned char tmp[ETH_ALEN];

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	if (ip->ihl < 5)
		return -1;
	ports = (void *)ip + ip->ihl * 4;
	if ((void *)(ports + 2) > data_end)
		return -1;
	key.src = ip->saddr;
	key.dst = ip->daddr;
	key.sport = ports[0];
	key.dport = ports[1];
	key.proto = ip->protocol;
	if (!bpf_map_lookup_elem(&floor_flows, &key))
		return -1;
	__builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
	return 0;
}

SEC("xdp")
int xdp_parse_lookup(struct xdp_md *ctx)
{
	return parse_lookup((void *)(long)ctx->data, (void *)(long)ctx->data_end) ? XDP_PASS
										  : XDP_TX;
}

SEC("tc")
int tc_parse_lookup(struct __sk_buff *skb)
{
	return parse_lookup((void *)(long)skb->data, (void *)(long)skb->data_end) ? TC_ACT_SHOT
										    : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
