package dev.scard.simulator.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the simulator backend, PID {@value SimulatorComponent#PID}. */
@ObjectClassDefinition(id = SimulatorComponent.PID, name = "SCard simulator",
        description = "Simulated smart-card readers and cards (scard.backend=simulator). Readers can be added "
                + "and removed at runtime; readers that stay keep their cards and connections.")
public @interface SimulatorConfig {

    /** The simulated readers' names, in the order they are listed. */
    @AttributeDefinition(name = "Readers",
            description = "Names of the simulated readers, in order. Blank and repeated names are ignored. The "
                    + "readers of 'SCard simulated reader' configurations (factory PID dev.scard.simulator.reader) "
                    + "come after these; a name one of them holds is skipped here (logged as an error).")
    String[] readers() default {"Simulated Reader 0", "Simulated Reader 1"};

    /** The readers that hold the default card when the simulator starts or they are added. */
    @AttributeDefinition(name = "Readers with a card",
            description = "Readers that start with the default ISO 7816-4 card inserted (when the simulator starts "
                    + "or the reader is added); names that are not among the readers are ignored.")
    String[] cardInserted() default {"Simulated Reader 0"};

    /** Readers whose card is served to pcscd through vpcd: {@code <reader>=<host>:<port>} entries. */
    @AttributeDefinition(name = "Served to PC/SC (vpcd)",
            description = "Simulated readers whose card is served to a PC/SC daemon (pcscd) through the vsmartcard "
                    + "vpcd driver, one entry per reader: '<reader name>=<host>:<port>', such as "
                    + "'Simulated Reader 0=127.0.0.1:35963'. Port 35963 is vpcd's first slot (PC/SC reader "
                    + "'Virtual PCD 00 00'), 35964 its second ('Virtual PCD 00 01'); write an IPv6 address in "
                    + "brackets ('[::1]:35963'). While the reader holds a card the simulator connects to vpcd as that "
                    + "card, retrying every 0.1 to 2 s while vpcd is not there; removing the card disconnects it. "
                    + "Entries that are malformed, name a reader that is not configured, or repeat a reader or an "
                    + "address are logged and skipped. Empty (the default): nothing is served. Changes apply live: "
                    + "every change serves the listed readers at their address again (a reader already served there "
                    + "keeps its connection), and readers dropped from the list stop being served (unless sim:serve "
                    + "moved them to another address meanwhile); sim:serve and sim:unserve last until then.")
    String[] vpcd() default {};

    /** The longest a connection call waits for a card, a reader or another connection, in milliseconds. */
    @AttributeDefinition(name = "Call timeout (ms)", min = "1", max = "2147483647",
            description = "The longest any call waits for a simulated card, for the card's turn or for another "
                    + "connection's transaction, in milliseconds (1 to 2147483647; default 120000, two minutes). A call "
                    + "that waits longer fails with SCARD_E_TIMEOUT. A plugged-in card model that does not answer "
                    + "within it is given up: the card counts as mute (commands fail at once with SCARD_E_TIMEOUT) "
                    + "until it is reset or removed. The built-in cards answer at once unless their profile sets "
                    + "responseDelayMillis. Changes apply to waits that begin afterwards.")
    long callTimeoutMillis() default 120_000L;
}
