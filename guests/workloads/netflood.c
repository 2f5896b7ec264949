/* netflood: a misbehaving network guest for the switch's protections, and a chatty one for traffic tests. Sends
 * count=N frames (0: without end) on the first virtio-net device as fast as the device takes them, or one every
 * gap=MS milliseconds: with mode=flood (the default) broadcast frames from the device's own MAC address; with
 * mode=talk unicast frames from its own address to dst=SIX_HEX_BYTES; with mode=spoof unicast frames whose source
 * is another address, src=SIX_HEX_BYTES (default 525400123456, a MAC of the QEMU range), to dst=SIX_HEX_BYTES
 * (default broadcast). Prints "sending" before the first frame and "sent N" every 10,000 frames. Receives
 * nothing. */
#include <string.h>
#include "sdk.h"

static uint8_t frame[12 + 64];

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void mac_param(const char *key, const char *def, uint8_t *out)
{
	const char *s = sdk_param_str(key, def);
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[2 * i]), lo = hi < 0 ? -1 : hexval(s[2 * i + 1]);
		out[i] = hi < 0 || lo < 0 ? 0xff : (uint8_t)(hi << 4 | lo);
	}
}

int main(void)
{
	int slot = sdk_virtio_find(1, 0);
	if (slot < 0) {
		printf("no virtio-net device\n");
		return 1;
	}
	sdk_virtio_begin(slot, 1u << 5);
	struct vqueue *tx = sdk_virtio_queue(slot, 1);
	sdk_virtio_ready(slot);
	uint8_t *eth = frame + 10;  /* legacy header without mergeable buffers: 10 bytes */
	const char *mode = sdk_param_str("mode", "flood");
	if (strcmp(mode, "spoof") == 0) {
		mac_param("src", "525400123456", eth + 6);
		mac_param("dst", "ffffffffffff", eth);
	} else {
		if (strcmp(mode, "talk") == 0)
			mac_param("dst", "ffffffffffff", eth);
		else
			memset(eth, 0xff, 6);
		for (int i = 0; i < 6; i++)
			eth[6 + i] = *(volatile uint8_t *)(sdk_virtio_base(slot) + SDK_VIRTIO_CONFIG + i);
	}
	eth[12] = 0x88;  /* a local experimental EtherType */
	eth[13] = 0xb5;
	long count = sdk_param_long("count", 0);
	long gap = sdk_param_long("gap", 0);
	printf("sending\n");
	for (long n = 0; count == 0 || n < count; n++) {
		struct sdk_vbuf t = {frame, 10 + 60, 0};
		sdk_virtio_xfer(tx, &t, 1);
		if (gap > 0)
			sdk_sleep_ms((uint64_t)gap);
		if ((n + 1) % 10000 == 0)
			printf("sent %ld\n", n + 1);
	}
	return 0;
}
