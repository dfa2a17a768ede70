package dev.scard.simulator.internal.card;

import java.util.EnumMap;
import java.util.Map;

/** A file of the card's tree: the MF, a DF or an EF. Mutable; owned by one {@link IsoCard}. */
abstract sealed class CardFile permits DedicatedFile, ElementaryFile {

    /** The life-cycle status bytes of the FCP's tag {@code 8A}. */
    static final int LCS_ACTIVATED = 0x05;
    static final int LCS_DEACTIVATED = 0x04;

    final int fid;
    /** The DF this file is in; null for the MF and for a file not (or no longer) in a tree. */
    DedicatedFile parent;
    /** The file's own life-cycle state (operational activated or deactivated). */
    boolean activated;
    /** The access condition of every operation that applies to this kind of file. */
    final EnumMap<Operation, AccessRule> rules;

    CardFile(int fid, boolean activated, Map<Operation, AccessRule> rules) {
        this.fid = fid;
        this.activated = activated;
        this.rules = withDefaults(this instanceof DedicatedFile, rules);
    }

    /**
     * Completes the conditions with the defaults: an EF's read and update are {@code always}, its deactivate and
     * activate follow its update; a DF's create and delete are {@code always}, its deactivate and activate follow
     * its delete. Conditions for operations that do not apply are dropped.
     */
    static EnumMap<Operation, AccessRule> withDefaults(boolean df, Map<Operation, AccessRule> given) {
        EnumMap<Operation, AccessRule> rules = new EnumMap<>(Operation.class);
        Operation guard = df ? Operation.DELETE : Operation.UPDATE;
        for (Operation op : Operation.values()) {
            if (!op.appliesTo(df)) {
                continue;
            }
            AccessRule rule = given.get(op);
            if (rule == null && (op == Operation.DEACTIVATE || op == Operation.ACTIVATE)) {
                rule = given.get(guard);
            }
            rules.put(op, rule == null ? AccessRule.ALWAYS : rule);
        }
        return rules;
    }

    boolean isDf() {
        return this instanceof DedicatedFile;
    }

    /** Whether this file and every DF above it are activated (a deactivated DF makes its contents unusable). */
    boolean usable() {
        for (CardFile f = this; f != null; f = f.parent) {
            if (!f.activated) {
                return false;
            }
        }
        return true;
    }

    /** The DF from which this file's conditions find their local PINs and keys: itself for a DF, else its DF. */
    DedicatedFile scope() {
        return this instanceof DedicatedFile df ? df : parent;
    }

    /** Whether {@code ancestor} is this file or a DF above it. */
    boolean isWithin(CardFile ancestor) {
        for (CardFile f = this; f != null; f = f.parent) {
            if (f == ancestor) {
                return true;
            }
        }
        return false;
    }

    /** The absolute path, such as {@code 3F00/5015/4401} (for diagnostics and tests). */
    String path() {
        return parent == null ? String.format("%04X", fid) : parent.path() + String.format("/%04X", fid);
    }

    /** A deep copy in the state this file is in now, with {@code newParent} as its parent. */
    abstract CardFile copy(DedicatedFile newParent);

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + path() + "]";
    }
}
