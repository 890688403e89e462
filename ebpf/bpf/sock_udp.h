/* SPDX-License-Identifier: GPL-2.0 */
/* What an unconnected UDP socket chose: per socket (socket-local storage, freed with the
 * socket), the backend each of its last few services was sent to, so that every datagram of the
 * socket to one service reaches the same backend for as long as that backend exists — also
 * across Maglev table changes, which would otherwise move a fraction of sockets to another
 * backend that is still alive. A backend that is gone (deleted from the backend map, or its id
 * reused by another service) is replaced by a fresh choice on the next datagram.
 *
 * Only the last SOCK_UDP_SLOTS services per socket are remembered; a socket that rotates over
 * more still gets the same backend from the hash of (socket cookie, service) unless the table
 * changed in between. */
#ifndef SLUICE_BPF_SOCK_UDP_H
#define SLUICE_BPF_SOCK_UDP_H

#include "common.h"
#include "sock_addr.h"

#define SOCK_UDP_SLOTS 4

struct sock_udp_choice {
	union sl_addr frontend;
	__be16 frontend_port;
	__u8 family; /* enum sl_family; 0 = slot unused */
	__u8 pad;
	__u32 backend_id;
};

struct sock_udp_state {
	struct sock_udp_choice slot[SOCK_UDP_SLOTS];
	__u32 next; /* the slot a new service takes (round robin) */
	__u32 pad;
};

/* Pinned so that a restarted agent's programs keep reading what the old ones remembered. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sock_udp_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_sock_udp_v1 SEC(".maps");

SL_INLINE int sock_udp_slot_is(const struct sock_udp_choice *slot, const struct sock_peer *fe)
{
	return slot->family == fe->family && slot->frontend_port == fe->port &&
	       sl_addr_equal(&slot->frontend, &fe->addr);
}

/* The socket's remembered slot for this frontend; NULL when there is none (or no storage). */
SL_INLINE struct sock_udp_choice *sock_udp_find(struct sock_udp_state *state,
						 const struct sock_peer *fe)
{
#pragma unroll
	for (int i = 0; i < SOCK_UDP_SLOTS; i++) {
		if (sock_udp_slot_is(&state->slot[i], fe))
			return &state->slot[i];
	}
	return NULL;
}

/* A slot for a frontend the socket has not used yet: the oldest one goes. */
SL_INLINE struct sock_udp_choice *sock_udp_claim(struct sock_udp_state *state,
						  const struct sock_peer *fe)
{
	__u32 index = state->next % SOCK_UDP_SLOTS;
	struct sock_udp_choice *slot;

	state->next = index + 1;
	/* The verifier wants the bound spelled out, the modulo does not convince it. */
	if (index >= SOCK_UDP_SLOTS)
		return NULL;
	slot = &state->slot[index];
	slot->frontend = fe->addr;
	slot->frontend_port = fe->port;
	slot->family = fe->family;
	slot->backend_id = 0;
	return slot;
}

#endif
