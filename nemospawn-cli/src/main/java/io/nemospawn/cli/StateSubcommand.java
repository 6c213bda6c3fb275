package io.nemospawn.cli;

import io.nemospawn.NemoSpawn;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A subcommand on the data directory: the output options ({@code --json}, {@code -v}), {@code
 * --data-dir} and the command's spec, for usage errors. Every command that reads or writes state
 * builds on it; one that works on one team builds on {@link TeamSubcommand}, which adds {@code
 * --team}. Commands on the data directory as a whole (team create/list/delete, config, profile,
 * launch, the hpo studies) implement {@link #call} themselves, opening it with {@link #open} where
 * they need a {@link NemoSpawn}.
 */
abstract class StateSubcommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  Output out;

  @Mixin
  StateOptions state;

  /** Returns who acts, recorded as the user of the audit entries, or null for the default. */
  @Nullable
  String actor() {
    return null;
  }

  /** Opens the data directory with {@link #actor()} as the user of its audit entries. */
  NemoSpawn open() {
    String actor = actor();
    return actor == null ? state.open() : state.open(actor);
  }
}
