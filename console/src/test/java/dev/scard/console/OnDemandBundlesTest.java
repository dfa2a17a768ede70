package dev.scard.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class OnDemandBundlesTest {

    private static final OnDemandBundles REMOTE =
        OnDemandBundles.parse(" 10 ", "dev.scard.remote., org.apache.aries.rsa.,exact.pid");

    @Test
    void theLevelIsParsed() {
        assertThat(REMOTE).isNotNull();
        assertThat(REMOTE.level()).isEqualTo(10);
    }

    @Test
    void aPidUnderAPrefixEndingWithADotOrEqualToAnEntryNeedsThem() {
        assertThat(REMOTE.neededBy(List.of("dev.scard.simulator", "dev.scard.remote.client"))).isTrue();
        assertThat(REMOTE.neededBy(List.of("dev.scard.remote.endpoint"))).isTrue();
        assertThat(REMOTE.neededBy(List.of("org.apache.aries.rsa.discovery.zookeeper"))).isTrue();
        assertThat(REMOTE.neededBy(List.of("exact.pid"))).isTrue();
    }

    @Test
    void otherPidsDoNot() {
        assertThat(REMOTE.neededBy(List.of())).isFalse();
        assertThat(REMOTE.neededBy(List.of("dev.scard.simulator", "dev.scard.simulator.reader"))).isFalse();
        assertThat(REMOTE.neededBy(List.of("dev.scard.remote"))).as("the prefix without its dot").isFalse();
        assertThat(REMOTE.neededBy(List.of("dev.scard.remotely"))).isFalse();
        assertThat(REMOTE.neededBy(List.of("exact.pid.more"))).as("an entry without a dot is a whole PID").isFalse();
    }

    @Test
    void missingOrBadPropertiesMeanNoOnDemandBundles() {
        assertThat(OnDemandBundles.parse(null, "a.")).isNull();
        assertThat(OnDemandBundles.parse("10", null)).isNull();
        assertThat(OnDemandBundles.parse("10", "  ")).isNull();
        assertThat(OnDemandBundles.parse("ten", "a.")).isNull();
        assertThat(OnDemandBundles.parse("0", "a.")).isNull();
        assertThat(OnDemandBundles.parse("-3", "a.")).isNull();
    }
}
