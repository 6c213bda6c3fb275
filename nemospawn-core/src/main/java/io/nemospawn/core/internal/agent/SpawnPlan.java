package io.nemospawn.core.internal.agent;

import io.nemospawn.AgentSpec;
import io.nemospawn.agent.Profile;
import io.nemospawn.spi.AgentRuntime;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a spawn will do, decided before anything is reserved or written: the first step of {@link
 * SpawnPipeline}. Resolving it has no side effects, so a spawn that cannot work fails here and
 * leaves nothing to undo.
 *
 * @param spec the spec asked for
 * @param runtime the runtime that will start the agent (the spec's, else the {@code
 *     default_runtime} setting), checked to be available here
 * @param profile the profile whose adapter builds the command (the spec's, else the {@code
 *     default_profile} setting), or null when the spec gives the command itself
 * @param program the program that will run, checked to be on {@code PATH} or executable
 * @param repo the top level of the git repository the agent gets a worktree of, or null for none
 *     (the {@code workspace} setting and the spec's repository decide)
 */
record SpawnPlan(
    AgentSpec spec,
    AgentRuntime runtime,
    @Nullable Profile profile,
    String program,
    @Nullable Path repo) {
  SpawnPlan {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(runtime, "runtime");
    Objects.requireNonNull(program, "program");
  }

  /** Returns the runtime's name, as recorded. */
  String runtimeName() {
    return runtime.name();
  }
}
