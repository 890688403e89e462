// SPDX-License-Identifier: GPL-2.0
/* Writes one Maglev table into sl_maglev_v2 from a user buffer (struct sl_maglev_write in
 * abi.h), run by the control plane with BPF_PROG_RUN. A batch update syscall costs ~100 ns per
 * 4-byte entry in copies and checks, 10 000 tables of 1021 entries over a second; here each entry
 * is one inlined array lookup and one 4-byte store, which the data path reads atomically (old or
 * new backend, never a mix). */
#include "common.h"
#include "maglev_map.h"

char LICENSE[] SEC("license") = "GPL";

struct sl_write_state {
	__u64 entries;
	__u32 first;
	__u32 count;
	__u32 written;
};

static long write_chunk(__u32 chunk, void *data)
{
	struct sl_write_state *st = data;
	__u32 ids[SL_MAGLEV_WRITE_CHUNK];
	__u64 from = st->entries + (__u64)chunk * sizeof(ids);

	if (bpf_copy_from_user(ids, sizeof(ids), (const void *)from) != 0)
		return 1; /* stop: the buffer is not readable */
	for (__u32 i = 0; i < SL_MAGLEV_WRITE_CHUNK; i++) {
		__u32 index = chunk * SL_MAGLEV_WRITE_CHUNK + i;
		__u32 key = st->first + index;
		__u32 *slot;

		if (index >= st->count)
			return 1;
		slot = bpf_map_lookup_elem(&sl_maglev_v2, &key);
		if (!slot)
			return 1; /* past the end of the array */
		*slot = ids[i];
		st->written = index + 1;
	}
	return 0;
}

SEC("syscall")
int sl_write_maglev(struct sl_maglev_write *args)
{
	struct sl_write_state st = {
		.entries = args->entries,
		.first = args->first,
		.count = args->count,
	};
	__u32 chunks = (st.count + SL_MAGLEV_WRITE_CHUNK - 1) / SL_MAGLEV_WRITE_CHUNK;

	bpf_loop(chunks, write_chunk, &st, 0);
	return (int)st.written;
}
