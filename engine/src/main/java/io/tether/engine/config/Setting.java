package io.tether.engine.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Describes one component of {@link TetherConfig}. The kebab-case name derived from the component is the flag
 * ({@code --heartbeat-interval}), the config-file key and the etcd key alike.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Setting {
    /** One line for {@code --help}. */
    String description();

    /** The default, written as a user would write it. Empty for "none". */
    String defaultValue() default "";

    /** Whether a live reload may change it without a restart. */
    boolean live() default false;

    /** A repeatable setting (a list). */
    boolean repeatable() default false;
}
