package dev.scard.simulator.internal.card;

/**
 * The operations an access condition guards, with their tag in the proprietary {@code A1} template CREATE FILE
 * still takes, their bits in an ISO/IEC 7816-4 access mode byte (the FCP's expanded security attributes {@code AB})
 * and their name in profiles. EFs have {@link #READ}, {@link #UPDATE}, {@link #DEACTIVATE} and {@link #ACTIVATE};
 * DFs have {@link #CREATE}, {@link #DELETE}, {@link #DEACTIVATE} and {@link #ACTIVATE}.
 */
enum Operation {
    /** READ BINARY, READ RECORD (EF); access mode b1 (read). */
    READ(0x80, 0x01, "read", true, false),
    /** UPDATE BINARY, WRITE BINARY, UPDATE RECORD, APPEND RECORD (EF); access mode b2 (update) and b3 (write). */
    UPDATE(0x81, 0x06, "update", true, false),
    /** CREATE FILE inside this DF; access mode b2 (create EF) and b3 (create DF). */
    CREATE(0x82, 0x06, "create", false, true),
    /** DELETE FILE of a file directly inside this DF (with everything below it); access mode b1 (delete child). */
    DELETE(0x83, 0x01, "delete", false, true),
    /** DEACTIVATE FILE of this file; access mode b4. */
    DEACTIVATE(0x84, 0x08, "deactivate", true, true),
    /** ACTIVATE FILE of this file; access mode b5. */
    ACTIVATE(0x85, 0x10, "activate", true, true);

    final int tag;
    /** The bits of an ISO/IEC 7816-4 access mode byte (EF or DF meaning, as the operation applies) it stands for. */
    final int accessMode;
    final String jsonName;
    final boolean forEf;
    final boolean forDf;

    Operation(int tag, int accessMode, String jsonName, boolean forEf, boolean forDf) {
        this.tag = tag;
        this.accessMode = accessMode;
        this.jsonName = jsonName;
        this.forEf = forEf;
        this.forDf = forDf;
    }

    boolean appliesTo(boolean df) {
        return df ? forDf : forEf;
    }

    static Operation byTag(int tag) {
        for (Operation op : values()) {
            if (op.tag == tag) {
                return op;
            }
        }
        return null;
    }

    static Operation byJsonName(String name) {
        for (Operation op : values()) {
            if (op.jsonName.equals(name)) {
                return op;
            }
        }
        return null;
    }
}
