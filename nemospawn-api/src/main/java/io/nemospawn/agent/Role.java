package io.nemospawn.agent;

import io.nemospawn.spi.StateFormat;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;

/**
 * An agent's role: one of the well-known roles (the constants: {@code worker}, the default, {@code
 * leader}, whose prompt adds the coordination part, and the roles NemoSpawn 1.0's {@code spawn
 * agent --role} lists) or a custom role a template or a user names ({@link #of(String)}). The
 * name is written verbatim as {@code role} in the agent record. Two roles are equal when their
 * names are; {@link #of(String)} returns the constant for a well-known name.
 *
 * <pre>{@code
 * team.spawn(AgentSpec.builder("judge").role(Role.EVALUATOR).profile("claude").build());
 * team.spawn(AgentSpec.builder("ranker").role(Role.of("ranker")).profile("claude").build());
 * }</pre>
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class Role {
  /** The default role of an agent. */
  public static final Role WORKER = new Role("worker");
  /** The team's leader: its prompt adds the leader's coordination duties. */
  public static final Role LEADER = new Role("leader");
  /** Trains models. */
  public static final Role TRAINER = new Role("trainer");
  /** Evaluates checkpoints. */
  public static final Role EVALUATOR = new Role("evaluator");
  /** Deploys models (NIM). */
  public static final Role DEPLOYER = new Role("deployer");
  /** Prepares datasets. */
  public static final Role DATA_CURATOR = new Role("data-curator");
  /** Produces reward signals for RLHF. */
  public static final Role RLHF_REWARD = new Role("rlhf-reward");

  private static final List<Role> WELL_KNOWN =
      List.of(WORKER, LEADER, TRAINER, EVALUATOR, DEPLOYER, DATA_CURATOR, RLHF_REWARD);

  private final String name;

  private Role(String name) {
    this.name = name;
  }

  /** Returns the well-known roles: worker, leader and those of 1.0's {@code --role} help. */
  public static List<Role> wellKnown() {
    return WELL_KNOWN;
  }

  /**
   * Returns the role of this name: the constant for a well-known name, else a custom role.
   *
   * @param name as an agent name: 1-128 ASCII letters, digits, {@code .}, {@code _} or {@code -},
   *     starting with a letter or digit ({@link StateFormat#requireName})
   * @throws IllegalArgumentException naming the value and what is allowed
   */
  public static Role of(String name) {
    String n = StateFormat.requireName("agent role", Objects.requireNonNull(name, "name"));
    for (Role r : WELL_KNOWN) {
      if (r.name.equals(n)) {
        return r;
      }
    }
    return new Role(n);
  }

  /** Returns the name written in the agent record: {@code worker}, {@code leader}, … */
  public String name() {
    return name;
  }

  /** Returns whether this is one of the {@link #wellKnown()} roles. */
  public boolean isWellKnown() {
    return WELL_KNOWN.contains(this);
  }

  /** Returns whether this is the {@link #LEADER} role (in any case, as the prompt reads it). */
  public boolean isLeader() {
    return name.equalsIgnoreCase(LEADER.name);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Role r && r.name.equals(name);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  /** Returns the {@link #name()}. */
  @Override
  public String toString() {
    return name;
  }
}
