/* rng: drives the virtio-rng device through the legacy virtio-mmio registers: features, then buffers of several
 * sizes and shapes; prints used lengths and whether the bytes changed (their values differ from run to run). */
#include <string.h>
#include "sdk.h"

static uint8_t buf[3][4096];
static struct vqueue *q;

static void take(const char *what, struct sdk_vbuf *b, int n)
{
	for (int i = 0; i < n; i++)
		memset(b[i].addr, 0xaa, b[i].len);
	long used = sdk_virtio_xfer(q, b, n);
	int changed = 0;
	for (int i = 0; i < n; i++)
		for (uint32_t j = 0; j < b[i].len; j++)
			changed |= ((uint8_t *)b[i].addr)[j] != 0xaa;
	printf("%-22s used %ld %s\n", what, used, changed ? "random" : "unchanged");
}

int main(void)
{
	int slot = sdk_virtio_find(4, 0);
	if (slot < 0) {
		printf("no virtio-rng device\n");
		return 1;
	}
	printf("slot %d features %016llx\n", slot, (unsigned long long)sdk_virtio_host_features(slot));
	sdk_virtio_begin(slot, 0);
	q = sdk_virtio_queue(slot, 0);
	printf("queue 1: %s\n", sdk_virtio_queue(slot, 1) ? "yes" : "no");
	sdk_virtio_ready(slot);
	struct sdk_vbuf one[1] = {{buf[0], 16, 1}};
	take("16 bytes", one, 1);
	struct sdk_vbuf two[2] = {{buf[0], 100, 1}, {buf[1], 300, 1}};
	take("100+300 bytes", two, 2);
	struct sdk_vbuf page[1] = {{buf[2], 4096, 1}};
	take("4096 bytes", page, 1);
	uint64_t seen = 0;
	for (int i = 0; i < 4096; i++)
		seen |= 1ull << (buf[2][i] & 63);
	printf("low 6 bits all seen: %s\n", seen == ~0ull ? "yes" : "no");
	printf("isr %x status %x\n", sdk_virtio_read(slot, SDK_VIRTIO_INT_STATUS), sdk_virtio_read(slot, SDK_VIRTIO_STATUS));
	return 0;
}
