package dev.scard.simulator.internal;

import dev.scard.simulator.control.SimulatedCard;
import dev.scard.simulator.control.VpcdAddress;

/**
 * The checked values of one reader configuration ({@value SimulatorComponent#READER_FACTORY_PID}) and the card model
 * it put into its reader. Guarded by the {@link SimulatorComponent}'s lock.
 */
final class ConfiguredReader {

    /** The configuration's PID. */
    final String pid;
    /** The reader's name, stripped, not blank. */
    final String name;
    /** The card profile, parsed. */
    final CardProfiles.Profile profile;
    /** Whether the configuration wants the card in the reader. */
    final boolean cardInserted;
    /** Where the card is served to vpcd, or null. */
    final VpcdAddress vpcd;
    /** The card made from {@link #profile}, once made: the one this configuration inserts. */
    SimulatedCard card;

    ConfiguredReader(String pid, String name, CardProfiles.Profile profile, boolean cardInserted, VpcdAddress vpcd) {
        this.pid = pid;
        this.name = name;
        this.profile = profile;
        this.cardInserted = cardInserted;
        this.vpcd = vpcd;
    }

    /** The card of this configuration, made from the profile the first time. */
    SimulatedCard card() {
        if (card == null) {
            card = profile.newCard();
        }
        return card;
    }
}
