package dev.scard.pcsc.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the PC/SC backend, PID {@value PcscComponent#PID}. A change is applied in place: open
 * connections, handles, locks and attachments stay (connections opened before a library change stay on the library
 * they were opened with). A change with an invalid value is rejected as a whole, with an error in the log, and the
 * previous settings stay in force; see {@link PcscComponent}.
 */
@ObjectClassDefinition(id = PcscComponent.PID, name = "SCard PC/SC backend",
        description = "Real smart-card readers through the platform's PC/SC library (scard.backend=pcsc).")
public @interface PcscConfig {

    /** Which readers the backend shows: a regular expression that a reader's whole name must match. */
    @AttributeDefinition(name = "Reader filter",
            description = "Regular expression a reader's whole name must match for the backend to list and connect "
                    + "to it, e.g. 'Virtual PCD.*' or '(?i).*yubikey.*'. Default: every reader. A changed filter "
                    + "that is not a valid regular expression is rejected and the previous one stays.")
    String readerFilter() default ".*";

    /** The PC/SC library to load instead of the platform's default. */
    @AttributeDefinition(name = "PC/SC library", required = false,
            description = "Path or name of the PC/SC library to load. Empty: the platform default "
                    + "(libpcsclite.so.1, /System/Library/Frameworks/PCSC.framework/PCSC, winscard.dll). A changed "
                    + "path that does not load is rejected and the library in use stays.")
    String libraryPath() default "";

    /**
     * How long to sleep between tries when the library reports a sharing violation instead of waiting for another
     * application's transaction (pcsc-lite with {@code PCSCLITE_NO_BLOCKING} set, other PC/SC implementations).
     */
    @AttributeDefinition(name = "Transaction poll interval (ms)", min = "1", max = "1000",
            description = "Sleep between retries of a call that another application's transaction holds up, when "
                    + "the PC/SC library reports the sharing violation instead of waiting.")
    int transactionPollMillis() default 2;

    /**
     * How often a thread waiting for another connection of this backend to end its transaction checks whether the
     * card was removed meanwhile (a removal ends every transaction).
     */
    @AttributeDefinition(name = "Card check interval (ms)", min = "5", max = "10000",
            description = "How often a caller waiting for a lock or for traffic held up by another connection's lock "
                    + "checks the reader for a removed card, which ends that lock.")
    int cardCheckMillis() default 100;

    /**
     * The shortest time given to a native begin-transaction call, even with a timeout of zero: the time one call to
     * the PC/SC service takes when the card is free.
     */
    @AttributeDefinition(name = "Minimum native lock wait (ms)", min = "1", max = "60000",
            description = "lock(timeout) gives the PC/SC service at least this long to grant a free card, also for "
                    + "a timeout of zero; only a card locked by another application makes it wait that long.")
    int minimumLockWaitMillis() default 250;

    /**
     * The longest a call that waits for a card, a reader or another connection may block before it fails with
     * {@code SCARD_E_TIMEOUT} (the backend's call timeout): a card that never answers then costs its caller this
     * long, and its connection is broken until it is reconnected or disconnected.
     */
    @AttributeDefinition(name = "Call timeout (ms)", min = "1",
            description = "The longest a call to the card or the reader (transmit, status, reconnect, connect, "
                    + "lock, unlock) may take before it fails with SCARD_E_TIMEOUT; the connection then stays "
                    + "broken until it is reconnected or disconnected. Long enough for slow card operations such as "
                    + "on-card key generation.")
    int callTimeoutMillis() default 120_000;
}
