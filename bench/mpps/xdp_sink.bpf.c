// SPDX-License-Identifier: GPL-2.0
/* The sink of the Mpps benchmark (bench/mpps): on the wire end of a lab veth, counts the IPv4
 * frames the node sends back and drops them. Other frames (ARP) go to the stack.
 *   SINK_FRAMES      every IPv4 frame
 *   SINK_TO_BACKEND  destination in the backends' network (DNATed)
 *   SINK_FROM_NODE   source is the node's address (source-NATed) */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

enum { SINK_FRAMES, SINK_TO_BACKEND, SINK_FROM_NODE, SINK_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SINK_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sink_counts SEC(".maps");

/* Network order; set by user space before the program is attached. */
__u32 backend_net;
__u32 backend_mask;
__u32 node_addr;

/* The window the sink saw frames in, for the rate: the time of the first frame after user
 * space zeroed first_ns, and of the latest of every 32nd frame (the clock costs too much to read
 * for each). A run's frames arrive on one CPU (the generator's), so plain writes do. */
__u64 first_ns;
__u64 last_ns;
__u64 seen;

static __always_inline void count(__u32 what)
{
	__u64 *value = bpf_map_lookup_elem(&sink_counts, &what);

	if (value)
		(*value)++;
}

SEC("xdp")
int xdp_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	count(SINK_FRAMES);
	if (!first_ns) {
		first_ns = bpf_ktime_get_ns();
		last_ns = first_ns;
	} else if ((++seen & 31) == 0) {
		last_ns = bpf_ktime_get_ns();
	}
	if ((ip->daddr & backend_mask) == backend_net)
		count(SINK_TO_BACKEND);
	if (ip->saddr == node_addr)
		count(SINK_FROM_NODE);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
