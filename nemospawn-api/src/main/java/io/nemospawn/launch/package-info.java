/**
 * Templates and one-command launches: a team described in TOML ({@link
 * io.nemospawn.launch.Template}), turned into a {@link io.nemospawn.launch.LaunchPlan} (team,
 * leader, workers, GPU placement, task DAG) and started with {@link
 * io.nemospawn.launch.Launcher#start}.
 *
 * <pre>{@code
 * try (NemoSpawn ns = NemoSpawn.open()) {
 *   Launcher launcher = Launcher.of(ns);
 *   LaunchPlan plan = launcher.plan(launcher.template("autoresearch"), LaunchOptions.defaults());
 *   try (Launch launch = launcher.start(plan)) {
 *     launch.awaitFinished(Duration.ofMinutes(10));
 *     System.out.println(launch.summary().toText());
 *   }
 * }
 * }</pre>
 *
 * @since 0.1
 */
@NullMarked
package io.nemospawn.launch;

import org.jspecify.annotations.NullMarked;
