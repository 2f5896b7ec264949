/* blk: drives the first virtio-blk device (or nth=N) through the legacy virtio-mmio registers and prints what it
 * sees: features, configuration, GET_ID, reads, writes, flush, read-back, discard, write-zeroes and malformed
 * requests (status bytes and used lengths). The disk must hold the pattern byte(i) = (i ^ (i >> 9)) & 0xff
 * (DifferentialTest creates it). Parameters: nth=N (which virtio-blk device, default 0), wce=0|1 (write the
 * writeback byte), write=0 (skip writes, for a read-only disk). */
#include <string.h>
#include "sdk.h"

#define T_IN 0
#define T_OUT 1
#define T_SCSI 2
#define T_FLUSH 4
#define T_GET_ID 8
#define T_DISCARD 11
#define T_WRITE_ZEROES 13

struct hdr { uint32_t type, ioprio; uint64_t sector; };
struct dwz { uint64_t sector; uint32_t num, flags; };

static struct hdr h;
static struct dwz seg;
static uint8_t status;
static uint8_t data[16384] __attribute__((aligned(8)));
static struct vqueue *q;
static int slot;

static uint32_t cfg32(int off) { return sdk_virtio_read(slot, SDK_VIRTIO_CONFIG + off); }
static uint8_t cfg8(int off) { return *(volatile uint8_t *)(sdk_virtio_base(slot) + SDK_VIRTIO_CONFIG + off); }

static uint32_t sum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = s * 31 + p[i];
	return s;
}

static uint8_t pattern(uint64_t i) { return (uint8_t)((i ^ (i >> 9)) & 0xff); }

/* One request: header, then data (out or in), then the status byte. */
static void req(const char *what, uint32_t type, uint64_t sector, void *buf, uint32_t len, int in)
{
	struct sdk_vbuf b[3];
	int n = 0;
	h.type = type;
	h.ioprio = 0;
	h.sector = sector;
	b[n++] = (struct sdk_vbuf){&h, sizeof(h), 0};
	if (len)
		b[n++] = (struct sdk_vbuf){buf, len, in};
	status = 0xee;
	b[n++] = (struct sdk_vbuf){&status, 1, 1};
	long used = sdk_virtio_xfer(q, b, n);
	printf("%-24s status %u used %ld\n", what, status, used);
}

int main(void)
{
	slot = sdk_virtio_find(2, (int)sdk_param_long("nth", 0));
	if (slot < 0) {
		printf("no virtio-blk device\n");
		return 1;
	}
	uint64_t offered = sdk_virtio_host_features(slot);
	printf("slot %d features %016llx\n", slot, (unsigned long long)offered);
	uint32_t want = (1u << 9) | (1u << 6) | (1u << 2) | (1u << 13) | (1u << 14);
	if (sdk_param_present("wce"))
		want |= 1u << 11;
	sdk_virtio_begin(slot, want & (uint32_t)offered);
	q = sdk_virtio_queue(slot, 0);
	if (!q) {
		printf("no queue\n");
		return 1;
	}
	sdk_virtio_ready(slot);
	uint64_t capacity = cfg32(0) | (uint64_t)cfg32(4) << 32;
	printf("capacity %llu seg_max %u geometry %u/%u/%u blk_size %u writeback %u\n", (unsigned long long)capacity,
		cfg32(12), cfg8(16) | cfg8(17) << 8, cfg8(18), cfg8(19), cfg32(20), cfg8(32));
	if (sdk_param_present("wce")) {
		*(volatile uint8_t *)(sdk_virtio_base(slot) + SDK_VIRTIO_CONFIG + 32) = (uint8_t)sdk_param_long("wce", 1);
		printf("writeback after write %u\n", cfg8(32));
	}

	memset(data, 0xaa, 32);
	req("get-id", T_GET_ID, 0, data, 20, 1);
	printf("id bytes %02x %02x %02x\n", data[0], data[1], data[2]);

	req("read 0+8", T_IN, 0, data, 4096, 1);
	int ok = 1;
	for (int i = 0; i < 4096; i++)
		ok &= data[i] == pattern((uint64_t)i);
	printf("pattern %s sum %08x\n", ok ? "ok" : "WRONG", sum(data, 4096));
	req("read last sector", T_IN, capacity - 1, data, 512, 1);
	printf("sum %08x\n", sum(data, 512));
	req("read past end", T_IN, capacity - 1, data, 1024, 1);
	req("read sector=capacity", T_IN, capacity, data, 512, 1);
	req("read 100 bytes", T_IN, 0, data, 100, 1);
	req("read 0 bytes", T_IN, 0, data, 0, 1);

	if (sdk_param_long("write", 1)) {
		for (int i = 0; i < 8192; i++)
			data[i] = (uint8_t)(i * 13 + 5);
		uint32_t wsum = sum(data, 8192);
		req("write 16+16", T_OUT, 16, data, 8192, 0);
		req("flush", T_FLUSH, 0, 0, 0, 0);
		memset(data, 0, 8192);
		req("read back 16+16", T_IN, 16, data, 8192, 1);
		printf("read back %s\n", sum(data, 8192) == wsum ? "matches" : "DIFFERS");
		req("write past end", T_OUT, capacity - 1, data, 1024, 0);

		seg = (struct dwz){16, 4, 0};
		req("write-zeroes 16+4", T_WRITE_ZEROES, 0, &seg, sizeof(seg), 0);
		req("read 16+8", T_IN, 16, data, 4096, 1);
		int zeros = 0;
		for (int i = 0; i < 4096; i++)
			zeros += data[i] == 0;
		printf("zero bytes %d sum %08x\n", zeros, sum(data, 4096));
		seg = (struct dwz){0, 8, 0};
		req("discard 0+8", T_DISCARD, 0, &seg, sizeof(seg), 0);
		seg = (struct dwz){0, 8, 1};
		req("discard with unmap", T_DISCARD, 0, &seg, sizeof(seg), 0);
		seg = (struct dwz){capacity - 2, 4, 0};
		req("write-zeroes past end", T_WRITE_ZEROES, 0, &seg, sizeof(seg), 0);
		seg = (struct dwz){0, 1, 2};
		req("write-zeroes bad flags", T_WRITE_ZEROES, 0, &seg, sizeof(seg), 0);
	} else {
		req("write to read-only", T_OUT, 0, data, 512, 0);
		req("flush read-only", T_FLUSH, 0, 0, 0, 0);
	}
	req("scsi", T_SCSI, 0, data, 64, 1);
	{
		/* the legacy SCSI layout: header and command readable; sense, errors and status writable */
		static uint8_t cdb[16], sense[96], errors[16];
		h.type = T_SCSI;
		h.sector = 0;
		status = 0xee;
		struct sdk_vbuf b[5] = {{&h, sizeof(h), 0}, {cdb, sizeof(cdb), 0}, {sense, sizeof(sense), 1},
			{errors, sizeof(errors), 1}, {&status, 1, 1}};
		long used = sdk_virtio_xfer(q, b, 5);
		printf("%-24s status %u used %ld\n", "scsi full layout", status, used);
	}
	req("type 99", 99, 0, 0, 0, 0);
	req("barrier read", T_IN | 0x80000000u, 0, data, 512, 1);
	printf("sum %08x\n", sum(data, 512));
	printf("isr %x status %x\n", sdk_virtio_read(slot, SDK_VIRTIO_INT_STATUS), sdk_virtio_read(slot, SDK_VIRTIO_STATUS));
	return 0;
}
