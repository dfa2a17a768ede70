package dev.scard.cardservices.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the generic {@code ISCardVerify}, PID {@value VerifyFactory#PID}. */
@ObjectClassDefinition(id = VerifyFactory.PID, name = "SCard ISO 7816-4 PIN verification",
        description = "The generic ISCardVerify of the card services (VERIFY, CHANGE REFERENCE DATA, RESET RETRY"
                + " COUNTER).")
public @interface VerifyConfig {

    /**
     * The longest PIN, PUK or new PIN sent to any card; a card's PKCS#15 AODF maximum applies as well. 1 to 127; a
     * value outside that is logged as an ERROR and the default (16) is used instead.
     */
    @AttributeDefinition(name = "Longest code", min = "1", max = "127",
            description = "The longest PIN, unblocking code or new PIN, in bytes, that is sent to a card at all. A"
                    + " longer one fails with SCARD_E_INVALID_CHV before anything is sent, so that it does not cost"
                    + " one of the PIN's tries. A card whose PKCS#15 AODF gives the PIN's maxLength (or"
                    + " storedLength) is held to that as well. Raise it for cards that take passphrases (OpenPGP"
                    + " cards take up to 127).")
    int maxCodeLength() default IsoVerify.DEFAULT_MAX_CODE_LENGTH;
}
