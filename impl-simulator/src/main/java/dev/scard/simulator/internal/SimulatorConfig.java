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
            description = "Names of the simulated readers, in order. Blank and repeated names are ignored.")
    String[] readers() default {"Simulated Reader 0", "Simulated Reader 1"};

    /** The readers that hold the default card when the simulator starts or they are added. */
    @AttributeDefinition(name = "Readers with a card",
            description = "Readers that start with the default ISO 7816-4 card inserted (when the simulator starts "
                    + "or the reader is added); names that are not among the readers are ignored.")
    String[] cardInserted() default {"Simulated Reader 0"};
}
