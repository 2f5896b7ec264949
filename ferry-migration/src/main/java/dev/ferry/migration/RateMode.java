package dev.ferry.migration;

/** How the page-sending rate is chosen. */
public enum RateMode {
    /** A fixed cap ({@code --bandwidth}) or unlimited. */
    FIXED,
    /** Clark's dynamic rate limiting: min rate first, then the last round's dirty rate + 50 Mbit/s. */
    DYNAMIC
}
