package dev.scard.simulator.internal.card;

/** The EF structures, with their file descriptor byte (tag {@code 82}) and their name in profiles. */
enum EfType {
    TRANSPARENT(0x01, "transparent"),
    LINEAR_FIXED(0x02, "linear-fixed"),
    LINEAR_VARIABLE(0x04, "linear-variable"),
    CYCLIC(0x06, "cyclic");

    final int descriptor;
    final String jsonName;

    EfType(int descriptor, String jsonName) {
        this.descriptor = descriptor;
        this.jsonName = jsonName;
    }

    boolean isRecord() {
        return this != TRANSPARENT;
    }

    /** The type for a file descriptor byte (the shareable bit b7 ignored), or null. */
    static EfType byDescriptor(int descriptor) {
        int d = descriptor & ~0x40;
        for (EfType type : values()) {
            if (type.descriptor == d) {
                return type;
            }
        }
        return null;
    }

    static EfType byJsonName(String name) {
        for (EfType type : values()) {
            if (type.jsonName.equals(name)) {
                return type;
            }
        }
        return null;
    }
}
