/* net: drives the first virtio-net device through the legacy virtio-mmio registers: features, configuration,
 * control-queue commands (RX mode, MAC address and table, VLAN, announce, guest offloads, unknown ones) with
 * their acks, a MAC address written through the configuration space, and transmitted frames. Prints what it sees
 * for comparison with QEMU (no frames are received: the back end is unplugged). Parameter: mrg=0 (do not take
 * mergeable receive buffers). Not covered: a transmit buffer shorter than the header, on which QEMU 7.2 aborts
 * (an assertion in iov_copy); Ferry marks the device broken. */
#include <string.h>
#include "sdk.h"

static struct vqueue *rx, *tx, *ctrl;
static int slot;
static uint8_t hdr[2], ack, data[512], frame[1600], rxbuf[2][2048];

static uint8_t cfg8(int off) { return *(volatile uint8_t *)(sdk_virtio_base(slot) + SDK_VIRTIO_CONFIG + off); }

static void show_mac(const char *what)
{
	printf("%s %02x:%02x:%02x:%02x:%02x:%02x status %u\n", what, cfg8(0), cfg8(1), cfg8(2), cfg8(3), cfg8(4),
		cfg8(5), cfg8(6) | cfg8(7) << 8);
}

static void command(const char *what, int cls, int cmd, const void *d, uint32_t len)
{
	hdr[0] = (uint8_t)cls;
	hdr[1] = (uint8_t)cmd;
	memcpy(data, d, len);
	ack = 0xee;
	struct sdk_vbuf b[3] = {{hdr, 2, 0}, {data, len, 0}, {&ack, 1, 1}};
	struct sdk_vbuf nodata[2] = {{hdr, 2, 0}, {&ack, 1, 1}};
	long used = len ? sdk_virtio_xfer(ctrl, b, 3) : sdk_virtio_xfer(ctrl, nodata, 2);
	printf("%-26s ack %u used %ld\n", what, ack, used);
}

int main(void)
{
	slot = sdk_virtio_find(1, 0);
	if (slot < 0) {
		printf("no virtio-net device\n");
		return 1;
	}
	uint64_t offered = sdk_virtio_host_features(slot);
	printf("slot %d features %016llx\n", slot, (unsigned long long)offered);
	show_mac("mac");
	uint32_t want = (1u << 5) | (1u << 16) | (1u << 17) | (1u << 18) | (1u << 19) | (1u << 20) | (1u << 21)
		| (1u << 2);
	if (sdk_param_long("mrg", 1))
		want |= 1u << 15;
	sdk_virtio_begin(slot, want & (uint32_t)offered);
	rx = sdk_virtio_queue(slot, 0);
	tx = sdk_virtio_queue(slot, 1);
	ctrl = sdk_virtio_queue(slot, 2);
	printf("queues: %s %s %s\n", rx ? "rx" : "-", tx ? "tx" : "-", ctrl ? "ctrl" : "-");
	sdk_virtio_ready(slot);
	struct sdk_vbuf r0[1] = {{rxbuf[0], sizeof(rxbuf[0]), 1}};
	sdk_virtio_post(rx, r0, 1);

	uint8_t on = 1, off = 0;
	command("rx promisc off", 0, 0, &off, 1);
	command("rx allmulti on", 0, 1, &on, 1);
	command("rx nobcast on", 0, 5, &on, 1);
	command("rx command 6", 0, 6, &on, 1);
	command("rx without data", 0, 0, 0, 0);
	static const uint8_t newmac[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
	command("mac addr set", 1, 1, newmac, 6);
	show_mac("mac after set");
	command("mac addr set 5 bytes", 1, 1, newmac, 5);
	uint8_t table[4 + 6 + 4 + 12] = {1, 0, 0, 0};
	memcpy(table + 4, newmac, 6);
	table[10] = 2;
	table[14] = 0x01;
	table[20] = 0x01;
	command("mac table set", 1, 0, table, sizeof(table));
	command("mac table short", 1, 0, table, sizeof(table) - 3);
	command("mac command 2", 1, 2, table, 6);
	uint8_t vid[2] = {5, 0}, badvid[2] = {0x88, 0x13};
	command("vlan add 5", 2, 0, vid, 2);
	command("vlan del 5", 2, 1, vid, 2);
	command("vlan add 5000", 2, 0, badvid, 2);
	command("announce ack (none)", 3, 0, 0, 0);
	uint8_t offloads[8] = {0}, csum[8] = {1};
	command("offloads none", 5, 0, offloads, 8);
	command("offloads csum", 5, 0, offloads, 8);
	command("offloads csum bit", 5, 0, csum, 8);
	command("class 9", 9, 0, 0, 0);

	*(volatile uint8_t *)(sdk_virtio_base(slot) + SDK_VIRTIO_CONFIG + 5) = 0x77;
	show_mac("mac after config write");

	int hdrlen = (want & (1u << 15)) ? 12 : 10;
	memset(frame, 0, sizeof(frame));
	memset(frame + hdrlen, 0xff, 6);
	memcpy(frame + hdrlen + 6, newmac, 6);
	frame[hdrlen + 12] = 0x08;
	frame[hdrlen + 13] = 0x06;
	struct sdk_vbuf t1[1] = {{frame, (uint32_t)hdrlen + 60, 0}};
	printf("tx 60 bytes used %ld\n", sdk_virtio_xfer(tx, t1, 1));
	struct sdk_vbuf t2[2] = {{frame, (uint32_t)hdrlen, 0}, {frame + hdrlen, 1514, 0}};
	printf("tx header apart used %ld\n", sdk_virtio_xfer(tx, t2, 2));
	uint32_t w;
	printf("rx used: %s\n", sdk_virtio_poll(rx, &w) ? "yes" : "no");
	printf("isr %x status %x\n", sdk_virtio_read(slot, SDK_VIRTIO_INT_STATUS), sdk_virtio_read(slot, SDK_VIRTIO_STATUS));
	return 0;
}
