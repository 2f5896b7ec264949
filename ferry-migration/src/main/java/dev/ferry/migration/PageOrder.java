package dev.ferry.migration;

/** Order in which a pre-copy round sends its pages (Checconi et al.). */
public enum PageOrder {
    /** Increasing page index. */
    SEQUENTIAL,
    /** Least frequently written first, so hot pages go last and are less likely to be dirtied again. */
    FREQUENCY
}
