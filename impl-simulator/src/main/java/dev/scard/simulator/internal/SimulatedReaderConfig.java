package dev.scard.simulator.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * One simulated reader and its card, a factory configuration of PID {@value SimulatorComponent#READER_FACTORY_PID}:
 * each configuration adds one reader (see {@link SimulatedReaderComponent}).
 */
@ObjectClassDefinition(id = SimulatorComponent.READER_FACTORY_PID, name = "SCard simulated reader",
        description = "One simulated reader (scard.backend=simulator) with its card, in addition to the readers "
                + "of the 'SCard simulator' configuration. Creating a configuration adds the reader, updating it "
                + "applies the change live, deleting it removes the reader (its connections are closed). A bad "
                + "value is logged as an error naming the configuration and the field, and changes nothing.")
public @interface SimulatedReaderConfig {

    /** The reader's name, unique among all simulated readers. */
    @AttributeDefinition(name = "Reader name",
            description = "The reader's name as SCardResourceManager.listReaders() shows it; not blank, and not the "
                    + "name of another simulated reader (of the 'SCard simulator' configuration or of another "
                    + "reader configuration). Renaming removes the reader and adds one with the new name: its "
                    + "connections are closed.")
    String name();

    /** The card profile file, or a trace to replay; empty for the sample card. */
    @AttributeDefinition(name = "Card profile", required = false,
            description = "Path of a JSON card profile file (ATR, protocol, files, PINs, keys; the format of the "
                    + "sample profile sample-card.json), relative paths against the working directory, or of a "
                    + "trace to replay (a JSON file with \"format\": \"scard-trace/1\", an OpenSC debug log or an "
                    + "apdu4j/GlobalPlatformPro log or a pcscd --apdu log; see replayMatch). Empty (the default): "
                    + "the sample card. The file is read on every change of this configuration: when the "
                    + "path or the file's content changed, the reader's card is replaced by a fresh card of the new "
                    + "profile (connections see the card removed and must reconnect); otherwise the card stays, "
                    + "with its state.")
    String profile() default "";

    /** How a trace given as the profile is replayed: {@code order} or {@code command}. */
    @AttributeDefinition(name = "Replay match", required = false,
            description = "When the card profile file is a trace (scard-trace/1 JSON, an OpenSC debug log or an "
                    + "apdu4j/GlobalPlatformPro log or a pcscd --apdu log), how a command finds its recorded "
                    + "response: 'order' (the "
                    + "default: each command must be the next recorded one; recorded resets and removals are "
                    + "reproduced) or 'command' (the next recorded exchange with the same command, in any order). "
                    + "Ignored for a card profile.")
    String replayMatch() default "order";

    /** The status word a replayed trace gives a command it cannot answer, four hex digits. */
    @AttributeDefinition(name = "Replay status word", required = false,
            description = "When the card profile file is a trace: the status word, four hex digits, a command "
                    + "the trace cannot answer gets (sim:replay reports where the replay diverged). Default 6D00. "
                    + "Ignored for a card profile.")
    String replayStatusWord() default "6D00";

    /** Whether the reader holds its card. */
    @AttributeDefinition(name = "Card inserted",
            description = "Whether the card is in the reader. Changing it inserts or removes the card as sim:insert "
                    + "and sim:remove do (the same card comes back, with its state, unless the profile changed). "
                    + "sim:insert and sim:remove by hand last until the next change of this value or the profile.")
    boolean cardInserted() default true;

    /** Where the card is served to pcscd through vpcd; empty for nowhere. */
    @AttributeDefinition(name = "Served to PC/SC (vpcd)", required = false,
            description = "'<host>:<port>' of a vsmartcard vpcd slot to serve the card to a PC/SC daemon (pcscd), "
                    + "such as 127.0.0.1:35963 (vpcd's first slot, PC/SC reader 'Virtual PCD 00 00'; 35964 is the "
                    + "second); write an IPv6 address in brackets ('[::1]:35963'). Empty (the default): not served. "
                    + "An address another simulated reader is served to is refused (vpcd takes one card per port). "
                    + "Every change of this configuration serves the reader at this address again (sim:unserve by "
                    + "hand lasts until then).")
    String vpcd() default "";
}
