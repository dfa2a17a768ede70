package dev.scard.cardservices.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.scard.api.HResult;
import dev.scard.api.ISCardVerify;
import dev.scard.api.SCardException;
import dev.scard.api.SCardFlag;

/**
 * The configured longest code ({@code maxCodeLength}): 1 to 127 is used as it is, for every card; anything else is
 * an ERROR naming the setting and the value, and the default 16 is used (not a value clamped to the range).
 */
class VerifyFactoryTest {

    private static final Logger JUL = Logger.getLogger(VerifyFactory.class.getName());
    private final List<LogRecord> records = new ArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listen() {
        JUL.addHandler(handler);
    }

    @AfterEach
    void stopListening() {
        JUL.removeHandler(handler);
    }

    private static VerifyConfig config(int maxCodeLength) {
        return new VerifyConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return VerifyConfig.class;
            }

            @Override
            public int maxCodeLength() {
                return maxCodeLength;
            }
        };
    }

    /** What the factory's verifier answers for a PIN of {@code length} bytes; nothing may reach the card. */
    private static String tooLong(VerifyFactory factory, int length) {
        PinStatusQueryTest.PinCard card = new PinStatusQueryTest.PinCard(false, "3B03"); // no PKCS#15: no AODF
        ISCardVerify pins = (ISCardVerify) factory.create(card.manager, null);
        byte[] pin = "1".repeat(length).getBytes(StandardCharsets.US_ASCII);
        SCardException e = catchThrowableOfType(() -> pins.verify(pin, SCardFlag.NONE, 1), SCardException.class);
        assertThat(e).as("a %d-byte PIN is refused", length).isNotNull();
        assertThat(e.code()).isEqualTo(HResult.SCARD_E_INVALID_CHV);
        assertThat(card.manager.sent).as("nothing reached the card").isEmpty();
        return e.getMessage();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 500, 128})
    void aValueOutOfRangeIsAnErrorNamingItAndTheDefaultIsUsed(int configured) {
        VerifyFactory factory = new VerifyFactory(config(configured));

        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.getLevel()).isEqualTo(Level.SEVERE); // System.Logger's ERROR
            assertThat(r.getMessage()).isEqualTo("maxCodeLength " + configured + " (PID dev.scard.cardservices.verify)"
                    + " is out of range 1 to 127: using 16");
        });
        assertThat(tooLong(factory, 17)).contains("17 bytes, global PIN 01 takes at most 16 (the card services'"
                + " maxCodeLength setting");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 8, 127})
    void aValueInRangeIsUsedAsItIsWithoutALogRecord(int configured) {
        VerifyFactory factory = new VerifyFactory(config(configured));

        assertThat(records).isEmpty();
        assertThat(VerifyFactory.maxCodeLength(configured)).isEqualTo(configured);
        assertThat(records).isEmpty();
        if (configured < 127) {
            assertThat(tooLong(factory, configured + 1)).contains((configured + 1) + " bytes, global PIN 01 takes at"
                    + " most " + configured + " (the card services' maxCodeLength setting");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 128})
    void theVerifierItselfRefusesALengthOutOfRange(int length) {
        PinStatusQueryTest.PinCard card = new PinStatusQueryTest.PinCard(false, "3B03");
        assertThatIllegalArgumentException().isThrownBy(() -> new IsoVerify(card.manager, false, length))
                .withMessage("maxCodeLength " + length + " is out of range 1 to 127");
    }
}
