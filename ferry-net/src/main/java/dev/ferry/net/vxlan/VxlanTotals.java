package dev.ferry.net.vxlan;

/**
 * A VXLAN endpoint's counters at one moment (frames each link carried are on the links' switch ports).
 *
 * @param received  datagrams received
 * @param nonPeer   datagrams from an address that is not a configured peer, dropped
 * @param wrongVni  datagrams with another network identifier, dropped
 * @param malformed datagrams without a valid VXLAN header, dropped
 * @param sendFailures datagrams the socket refused (buffer full or an error), dropped
 * @param errors    datagrams whose handling failed unexpectedly, dropped
 */
public record VxlanTotals(long received, long nonPeer, long wrongVni, long malformed, long sendFailures,
                          long errors) {
}
