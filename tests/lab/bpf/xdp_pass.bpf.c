// SPDX-License-Identifier: GPL-2.0
/* Passes every frame. Attached to the fabric's ports facing the nodes: a veth only takes frames
 * that its peer sends with XDP_TX or XDP_REDIRECT when it runs an XDP program itself (a NIC needs
 * no such help), so this stands in for the wire under a node's XDP. */
#include <linux/bpf.h>

#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
