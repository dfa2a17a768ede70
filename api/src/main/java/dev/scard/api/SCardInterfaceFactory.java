package dev.scard.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard extension point for {@link ISCardManage#createInterface} and the {@code Create*} methods
 * (DESIGN §4): a bundle registers a factory with {@link SCardServiceProperties#INTERFACE_NAME} and/or
 * {@link SCardServiceProperties#INTERFACE_GUID}, optionally {@link SCardServiceProperties#ATR_PATTERN} and a
 * service ranking. The best-ranked factory whose properties match the attached card is used; to replace the
 * generic file access, register with name {@code ISCardFileAccess} (likewise {@code ISCardVerify},
 * {@code ISCardAuth}).
 */
@ConsumerType
public interface SCardInterfaceFactory {

    /**
     * Creates the interface for a manager's current attachment. The object should use only
     * {@code manager}'s public methods (e.g. {@link ISCardManage#transmit(byte[])}) to reach the card.
     *
     * @param manager the attached manager that asked
     * @param userData the caller's data, unchanged; may be null
     * @return the interface; never null
     */
    Object create(ISCardManage manager, Object userData);
}
