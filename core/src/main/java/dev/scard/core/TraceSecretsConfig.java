package dev.scard.core;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The configuration {@value CardTap#SECRETS_PID}: further commands whose data the card trace withholds, for every
 * backend and every trace listener (the live trace, recordings). Optional; without it only the built-in rule applies.
 */
@ObjectClassDefinition(id = CardTap.SECRETS_PID, name = "SCard card trace: secret commands",
        description = "Commands whose data carries a secret (a proprietary PIN command, keys in GENERAL AUTHENTICATE, "
                + "a key load) beyond those the card trace always withholds (VERIFY, CHANGE REFERENCE DATA, RESET "
                + "RETRY COUNTER, ENABLE/DISABLE VERIFICATION REQUIREMENT). The live trace (scard:trace) and every "
                + "recording (scard:record, the recorder's configuration) show such a command as its header and Lc "
                + "with the number of data bytes withheld; the card still gets it whole. This adds secret commands, "
                + "it never takes one away.")
public @interface TraceSecretsConfig {

    /** The patterns. */
    @AttributeDefinition(name = "Secret commands",
            description = "Header patterns: " + dev.scard.iso7816.CommandPattern.SYNTAX + ". An entry that is not a "
                    + "pattern is logged as an ERROR naming it and left out; the others apply.")
    String[] secretCommands() default {};
}
