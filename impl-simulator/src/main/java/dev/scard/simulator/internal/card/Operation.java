package dev.scard.simulator.internal.card;

/**
 * The operations an access condition guards, with their tag in the FCP's {@code A1} template and their name in
 * profiles. EFs have {@link #READ}, {@link #UPDATE}, {@link #DEACTIVATE} and {@link #ACTIVATE}; DFs have
 * {@link #CREATE}, {@link #DELETE}, {@link #DEACTIVATE} and {@link #ACTIVATE}.
 */
enum Operation {
    /** READ BINARY, READ RECORD (EF). */
    READ(0x80, "read", true, false),
    /** UPDATE BINARY, WRITE BINARY, UPDATE RECORD, APPEND RECORD (EF). */
    UPDATE(0x81, "update", true, false),
    /** CREATE FILE inside this DF. */
    CREATE(0x82, "create", false, true),
    /** DELETE FILE of a file directly inside this DF (with everything below it). */
    DELETE(0x83, "delete", false, true),
    /** DEACTIVATE FILE of this file. */
    DEACTIVATE(0x84, "deactivate", true, true),
    /** ACTIVATE FILE of this file. */
    ACTIVATE(0x85, "activate", true, true);

    final int tag;
    final String jsonName;
    final boolean forEf;
    final boolean forDf;

    Operation(int tag, String jsonName, boolean forEf, boolean forDf) {
        this.tag = tag;
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
