package dev.scard.simulator.internal.card;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The MF or a DF: its files, its DF name (AID), and the PINs and keys that belong to it. */
final class DedicatedFile extends CardFile {

    /** The DF name (AID), 1 to 16 bytes, or null. */
    final byte[] name;
    final List<CardFile> children = new ArrayList<>();
    /** PINs by reference: global ones ({@code 01..1F}) in the MF, local ones ({@code 81..9F}) in other DFs. */
    final Map<Integer, Pin> pins = new LinkedHashMap<>();
    /** Keys by reference, with the same rule as PINs. */
    final Map<Integer, CardKey> keys = new LinkedHashMap<>();

    DedicatedFile(int fid, byte[] name, boolean activated, Map<Operation, AccessRule> rules) {
        super(fid, activated, rules);
        this.name = name == null ? null : name.clone();
    }

    /** The file with identifier {@code fid} directly in this DF, or null. */
    CardFile child(int fid) {
        for (CardFile child : children) {
            if (child.fid == fid) {
                return child;
            }
        }
        return null;
    }

    /** The EF with short identifier {@code sfi} directly in this DF, or null. */
    ElementaryFile childBySfi(int sfi) {
        for (CardFile child : children) {
            if (child instanceof ElementaryFile ef && ef.sfi == sfi) {
                return ef;
            }
        }
        return null;
    }

    /**
     * The PIN reference {@code ref} names seen from this DF: a global reference (b8 clear) a PIN of the MF, a local
     * one (b8 set) the nearest PIN with that reference in this DF or a DF above it; null when there is none (also for
     * reference number 0).
     */
    Pin findPin(int ref) {
        if ((ref & 0x1F) == 0) {
            return null;
        }
        if ((ref & 0x80) == 0) {
            return root().pins.get(ref);
        }
        for (DedicatedFile df = this; df != null; df = df.parent) {
            Pin pin = df.pins.get(ref);
            if (pin != null) {
                return pin;
            }
        }
        return null;
    }

    /** The key {@code ref} names seen from this DF, by the rule of {@link #findPin}. */
    CardKey findKey(int ref) {
        if ((ref & 0x1F) == 0) {
            return null;
        }
        if ((ref & 0x80) == 0) {
            return root().keys.get(ref);
        }
        for (DedicatedFile df = this; df != null; df = df.parent) {
            CardKey key = df.keys.get(ref);
            if (key != null) {
                return key;
            }
        }
        return null;
    }

    private DedicatedFile root() {
        DedicatedFile df = this;
        while (df.parent != null) {
            df = df.parent;
        }
        return df;
    }

    void add(CardFile child) {
        child.parent = this;
        children.add(child);
    }

    void addPin(Pin pin) {
        pins.put(pin.ref, pin);
    }

    void addKey(CardKey key) {
        keys.put(key.ref, key);
    }

    @Override
    DedicatedFile copy(DedicatedFile newParent) {
        DedicatedFile copy = new DedicatedFile(fid, name, activated, rules);
        copy.parent = newParent;
        for (Pin pin : pins.values()) {
            copy.addPin(pin.copy(copy));
        }
        for (CardKey key : keys.values()) {
            copy.addKey(key.copy(copy));
        }
        for (CardFile child : children) {
            copy.children.add(child.copy(copy));
        }
        return copy;
    }
}
