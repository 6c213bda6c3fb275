package io.nemospawn.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.apiguardian.api.API;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a test class with {@link NemoSpawnExtension} in its default setting: a fresh team in a
 * temporary data directory for every test, injected as a {@link io.nemospawn.Team} parameter,
 * closed and leak-checked afterwards. Tags the class {@code nemospawn}.
 *
 * <pre>{@code
 * @NemoSpawnTest
 * class PlanningTest {
 *   @Test void evalRunsAfterTrain(Team team) { ... }
 * }
 * }</pre>
 *
 * <p>For one team per class, or to configure the team, register the extension with {@code
 * @RegisterExtension} instead (see {@link NemoSpawnExtension#builder()}); do not combine both.
 *
 * @since 0.1
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(NemoSpawnExtension.class)
@Tag("nemospawn")
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public @interface NemoSpawnTest {}
