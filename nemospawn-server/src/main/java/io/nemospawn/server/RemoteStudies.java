package io.nemospawn.server;

import io.nemospawn.NemoSpawn;
import io.nemospawn.hpo.FrozenTrial;
import io.nemospawn.hpo.TrialState;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * HPO ask/tell over {@code nemospawn.v1}: the studies of the server's data directory (what {@code
 * Hpo.open(dataDir, study)} opens there), for a client that does not share that directory. The
 * server samples and prunes with the study's stored config, under the study's ask lock, exactly as
 * a local {@code Study} would; this class only carries the calls.
 *
 * <pre>{@code
 * try (NemoSpawn ns = NemoSpawn.connect(URI.create("tcp://gpu-box:8765"), key)) {
 *   RemoteStudies hpo = RemoteStudies.of(ns);
 *   RemoteStudies.Asked t = hpo.ask("lr-sweep");
 *   boolean prune = hpo.report("lr-sweep", t.trial(), 1, 0.42);
 *   hpo.tell("lr-sweep", t.trial(), 0.40);
 * }
 * }</pre>
 *
 * @since 0.2
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.2")
public final class RemoteStudies {
  /**
   * A trial just asked for.
   *
   * @param trial its number
   * @param params its parameters (external values)
   */
  public record Asked(int trial, Map<String, Object> params) {}

  /**
   * A trial as stored: what {@code FrozenTrial} holds, as data.
   *
   * @param trial its number
   * @param state {@code RUNNING}, {@code COMPLETE}, {@code PRUNED}, {@code FAIL}
   * @param value its objective value, null while it has none
   * @param lastStep the step of its last intermediate value, null for none
   * @param params its parameters (external values)
   * @param intermediateValues step → value
   * @param start when it started, null if unknown
   * @param complete when it finished, null while running
   */
  public record TrialView(
      int trial,
      String state,
      @Nullable Double value,
      @Nullable Integer lastStep,
      Map<String, Object> params,
      Map<Integer, Double> intermediateValues,
      @Nullable Instant start,
      @Nullable Instant complete) {
    /** The view of a stored trial. */
    public static TrialView of(FrozenTrial t) {
      return new TrialView(
          t.number(),
          t.state().name(),
          t.value().isPresent() ? t.value().getAsDouble() : null,
          t.lastStep().isPresent() ? t.lastStep().getAsInt() : null,
          new LinkedHashMap<>(t.params()),
          new LinkedHashMap<>(t.intermediateValues()),
          t.start().orElse(null),
          t.complete().orElse(null));
    }
  }

  /**
   * A study's settings.
   *
   * @param study its name
   * @param direction {@code MINIMIZE} or {@code MAXIMIZE}
   * @param maxTrials the most trials it may hold, 0 for no limit
   * @param config the HPO config it was created from (its JSON), null when made without one
   * @param storage where the server keeps it (a path on the server's machine)
   */
  public record StudyView(
      String study,
      String direction,
      int maxTrials,
      @Nullable String config,
      String storage) {}

  private final Client client;

  private RemoteStudies(Client client) {
    this.client = client;
  }

  /**
   * The HPO calls of a connected library.
   *
   * @param remote what {@link NemoSpawn#connect} returned
   * @return its studies
   * @throws IllegalArgumentException when {@code remote} is a local library (use {@code
   *     io.nemospawn.hpo.Hpo.open(dataDir, study)} there)
   */
  public static RemoteStudies of(NemoSpawn remote) {
    if (remote instanceof RemoteNemoSpawn r) {
      return new RemoteStudies(r.client());
    }
    throw new IllegalArgumentException(remote + " is not connected to a control plane; open its"
        + " studies with Hpo.open(dataDir, study) instead");
  }

  private ObjectNode study(String study) {
    return Wire.MAPPER.createObjectNode().put("study", Objects.requireNonNull(study, "study"));
  }

  private <T> T read(JsonNode v, JavaType type) {
    return Wire.MAPPER.readValue(Wire.MAPPER.treeAsTokens(v), type);
  }

  private <T> T read(JsonNode v, Class<T> type) {
    return read(v, Wire.MAPPER.constructType(type));
  }

  private JsonNode call(String command, ObjectNode payload) {
    return client.call(command, payload, Client.DEFAULT_TIMEOUT);
  }

  /** The names of the server's studies. */
  public List<String> names() {
    return read(
        call("hpo.studies", Wire.MAPPER.createObjectNode()),
        Wire.MAPPER.getTypeFactory().constructCollectionType(List.class, String.class));
  }

  /**
   * Creates a study on the server from an HPO TOML text ({@code [search_space]}, {@code
   * [objective]}, {@code [budget]}), as {@code Hpo.create} does there.
   *
   * @param warmStartFrom an earlier study of the server to seed it from, or null
   * @throws IllegalArgumentException for a bad name, config or warm start
   * @throws IllegalStateException when the study exists
   */
  public StudyView create(String study, String configToml, @Nullable String warmStartFrom) {
    ObjectNode p = study(study).put("config", configToml);
    if (warmStartFrom != null) {
      p.put("warm_start_from", warmStartFrom);
    }
    return read(call("hpo.create", p), StudyView.class);
  }

  /** A study's settings; {@link IllegalArgumentException} when there is no such study. */
  public StudyView info(String study) {
    return read(call("hpo.info", study(study)), StudyView.class);
  }

  /** Starts a trial with parameters the study's sampler chose (server side). */
  public Asked ask(String study) {
    return read(call("hpo.ask", study(study)), Asked.class);
  }

  /**
   * Records an intermediate value of a running trial and says whether the pruner stops it (the
   * trial stays RUNNING: tell it {@code PRUNED}).
   */
  public boolean report(String study, int trial, int step, double value) {
    JsonNode v =
        call("hpo.report", study(study).put("trial", trial).put("step", step).put("value", value));
    return v.path("prune").asBoolean();
  }

  /** Whether the pruner says to stop a running trial now. */
  public boolean shouldPrune(String study, int trial) {
    return call("hpo.should_prune", study(study).put("trial", trial))
        .path("prune")
        .asBoolean();
  }

  /** Completes a trial with its objective value (NaN makes it FAIL); returns it as stored. */
  public TrialView tell(String study, int trial, double value) {
    ObjectNode p = study(study).put("trial", trial);
    if (Double.isNaN(value)) {
      p.put("state", TrialState.FAIL.name());
    } else {
      p.put("value", value);
    }
    return read(call("hpo.tell", p), TrialView.class);
  }

  /** Finishes a trial as {@code PRUNED} or {@code FAIL}; returns it as stored. */
  public TrialView tell(String study, int trial, TrialState state) {
    return read(
        call("hpo.tell", study(study).put("trial", trial).put("state", state.name())),
        TrialView.class);
  }

  /** One trial. */
  public TrialView trial(String study, int trial) {
    return read(call("hpo.trial", study(study).put("trial", trial)), TrialView.class);
  }

  /** Every trial in number order. */
  public List<TrialView> trials(String study) {
    return read(
        call("hpo.trials", study(study)),
        Wire.MAPPER.getTypeFactory().constructCollectionType(List.class, TrialView.class));
  }

  /** The best complete trial, if any. */
  public Optional<TrialView> best(String study) {
    JsonNode v = call("hpo.best", study(study));
    return v.isNull() || v.isMissingNode()
        ? Optional.empty()
        : Optional.of(read(v, TrialView.class));
  }
}
