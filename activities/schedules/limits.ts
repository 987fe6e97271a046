// The bound of a Schedule Trigger's gate firing, apart from the activity so workflow code can import it.

/** Open pull requests one firing asks about at most; the rest wait for a later firing (and are counted). */
export const MAX_OPEN_CHANGES = 100;
