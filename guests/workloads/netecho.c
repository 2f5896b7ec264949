/* netecho: the first virtio-net device (mergeable receive buffers) echoes count=N frames (default 3) back to where
 * they came from, with the source and destination MAC addresses swapped; prints each frame's length and
 * EtherType. Prints "ready" once its receive buffers are posted. Polls; needs frames from outside. */
#include <string.h>
#include "sdk.h"

#define NBUF 8
static uint8_t rxbuf[NBUF][2048];
static uint8_t txbuf[2048];

int main(void)
{
	int slot = sdk_virtio_find(1, 0);
	if (slot < 0) {
		printf("no virtio-net device\n");
		return 1;
	}
	sdk_virtio_begin(slot, (1u << 5) | (1u << 15));
	struct vqueue *rx = sdk_virtio_queue(slot, 0);
	struct vqueue *tx = sdk_virtio_queue(slot, 1);
	sdk_virtio_ready(slot);
	int next = 0;
	for (int i = 0; i < NBUF; i++) {
		struct sdk_vbuf b = {rxbuf[i], sizeof(rxbuf[i]), 1};
		sdk_virtio_post(rx, &b, 1);
	}
	printf("ready\n");
	long count = sdk_param_long("count", 3);
	for (long n = 0; n < count; n++) {
		uint32_t len;
		while (!sdk_virtio_poll(rx, &len))
			;
		uint8_t *f = rxbuf[next] + 12;
		uint32_t flen = len - 12;
		printf("frame %ld: %u bytes, type %02x%02x\n", n, flen, f[12], f[13]);
		memset(txbuf, 0, 12);
		memcpy(txbuf + 12, f + 6, 6);
		memcpy(txbuf + 18, f, 6);
		memcpy(txbuf + 24, f + 12, flen - 12);
		struct sdk_vbuf t = {txbuf, flen + 12, 0};
		sdk_virtio_xfer(tx, &t, 1);
		struct sdk_vbuf b = {rxbuf[next], sizeof(rxbuf[next]), 1};
		sdk_virtio_post(rx, &b, 1);
		next = (next + 1) % NBUF;
	}
	return 0;
}
