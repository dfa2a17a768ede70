package dev.scard.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;

import org.junit.jupiter.api.Test;

class ConfigsTest {

    @Retention(RetentionPolicy.RUNTIME)
    @interface Sample {
        String name();

        int count() default 3;

        String[] readers() default {};
    }

    @Test
    void givenValuesAndDefaults() {
        Sample sample = Configs.of(Sample.class, "name", "x", "readers", new String[] {"R"});
        assertThat(sample.name()).isEqualTo("x");
        assertThat(sample.count()).isEqualTo(3);
        assertThat(sample.readers()).containsExactly("R");
        assertThat(sample.annotationType()).isEqualTo(Sample.class);
        assertThat(sample.toString()).contains("name=x");
        assertThat(Configs.of(Sample.class, "name", "y", "count", 7).count()).isEqualTo(7);
        assertThat(Configs.of(Sample.class, "name", null).name()).isNull();
    }

    @Test
    void namesTheWrongElement() {
        assertThatIllegalArgumentException().isThrownBy(() -> Configs.of(Sample.class, "count", 1))
                .withMessage("element 'name' of Sample has no default and was not given");
        assertThatIllegalArgumentException().isThrownBy(() -> Configs.of(Sample.class, "name", "x", "size", 1))
                .withMessage("Sample has no element 'size'");
        assertThatIllegalArgumentException().isThrownBy(() -> Configs.of(Sample.class, "name", 5))
                .withMessage("element 'name' of Sample is a String, not 5");
        assertThatIllegalArgumentException().isThrownBy(() -> Configs.of(Sample.class, "name", "x", "count", null))
                .withMessage("element 'count' of Sample is a int, not null");
        assertThatIllegalArgumentException().isThrownBy(() -> Configs.of(Sample.class, "name"))
                .withMessage("names and values must alternate: 1 arguments given");
    }
}
