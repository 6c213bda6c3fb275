package io.nemospawn.server;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Subscription;
import io.nemospawn.Team;
import io.nemospawn.TeamBuilder;
import io.nemospawn.TeamEvent;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apiguardian.api.API;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Answers {@code nemospawn.v1}: the library API of one {@link NemoSpawn} over the wire. Team
 * commands are {@code scope.method} of the allow-listed api methods ({@code tasks.create},
 * {@code inbox.send}, ...) with the payload {@code {"team": ID, "args": [...]}}; the reply is
 * {@code result{request_id, value}}; failures are {@code command_rejected{request_id, code,
 * reason, error}} where {@code error} is {@code not_found}, {@code invalid}, {@code state},
 * {@code unsupported} or {@code error}. A command is acknowledged only after the library call
 * returned, and the library writes state to disk before it returns: an acknowledged command is
 * persisted.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class NemoSpawnV1Handler implements ProtocolHandler, AutoCloseable {
  private static final Set<String> BUILT_IN = Set.of(
      "server.info",
      "teams.list",
      "teams.get",
      "teams.find",
      "teams.create",
      "teams.delete",
      "events.subscribe",
      "teams.topology",
      "gpu.topology",
      "gpu.snapshot",
      "hpo.studies",
      "hpo.info",
      "hpo.create",
      "hpo.ask",
      "hpo.report",
      "hpo.should_prune",
      "hpo.tell",
      "hpo.trial",
      "hpo.trials",
      "hpo.best");

  /** Built-in commands that change something (the others only read). */
  private static final Set<String> CHANGES = Set.of(
      "teams.create",
      "teams.delete",
      "hpo.create",
      "hpo.ask",
      "hpo.report",
      "hpo.should_prune",
      "hpo.tell");

  /**
   * Changes any caller but a viewer may make (with auth on): the HPO studies, which the data
   * directory's teams share and whose trials agents ask for and report, as {@code nemospawn hpo}
   * allows.
   */
  private static final Set<String> SHARED_CHANGES =
      Set.of("hpo.ask", "hpo.report", "hpo.should_prune", "hpo.tell");

  private final NemoSpawn nemoSpawn;
  private final Map<String, Team> teams = new ConcurrentHashMap<>();
  private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();

  /**
   * A handler on a library instance (which it does not close).
   *
   * @param nemoSpawn the library
   */
  public NemoSpawnV1Handler(NemoSpawn nemoSpawn) {
    this.nemoSpawn = nemoSpawn;
  }

  @Override
  public String protocol() {
    return ControlPlane.NEMOSPAWN_V1;
  }

  @Override
  public Set<String> commands() {
    Set<String> all = new TreeSet<>(BUILT_IN);
    all.addAll(ApiMethods.METHODS.keySet());
    return all;
  }

  /**
   * Reading commands: the server's and the teams' lookups, event subscriptions, and api methods
   * whose name says they only read ({@code get}, {@code list}, {@code find}, {@code info} ...;
   * {@code inbox.receive} marks messages read, so it counts as a change).
   */
  @Override
  public boolean readOnly(Command command) {
    String name = command.name();
    if (CHANGES.contains(name)) {
      return false;
    }
    if (BUILT_IN.contains(name)) {
      return true;
    }
    String method = name.substring(name.indexOf('.') + 1);
    return method.startsWith("get")
        || method.startsWith("list")
        || method.startsWith("find")
        || method.startsWith("count")
        || method.startsWith("peek")
        || method.equals("info")
        || method.equals("status")
        || method.equals("id")
        || method.equals("name")
        || method.equals("ready");
  }

  @Override
  public boolean sharedChange(Command command) {
    return SHARED_CHANGES.contains(command.name()) && !command.payload().has("team");
  }

  @Override
  public void handle(Command command, CommandContext context) throws Exception {
    Object value;
    try {
      value = run(command, context);
    } catch (InvocationTargetException e) {
      throw rejection(e.getCause() == null ? e : e.getCause());
    } catch (CommandRejectedException e) {
      throw e;
    } catch (RuntimeException e) {
      throw rejection(e);
    }
    ObjectNode d = Wire.MAPPER.createObjectNode();
    d.set("value", Wire.MAPPER.valueToTree(value));
    context.reply("result", d);
  }

  private @Nullable Object run(Command c, CommandContext context) throws Exception {
    ObjectNode p = c.payload();
    switch (c.name()) {
      case "server.info": {
        ObjectNode d = Wire.MAPPER.createObjectNode();
        d.put("data_dir", nemoSpawn.dataDir().toString());
        d.put("user", nemoSpawn.user());
        d.put("principal", context.principal());
        return d;
      }
      case "teams.list":
        return nemoSpawn.teams();
      case "teams.get":
        return team(text(p, "team")).info();
      case "teams.find":
        return nemoSpawn.findTeam(text(p, "team")).map(Team::info);
      case "teams.create": {
        TeamBuilder b = nemoSpawn.newTeam(text(p, "name"));
        JsonNode desc = p.get("description");
        if (desc != null && desc.isString()) {
          b.description(desc.asString());
        }
        JsonNode gpus = p.get("gpus");
        if (gpus != null && gpus.isArray()) {
          List<Integer> ids = new ArrayList<>();
          for (JsonNode g : gpus) {
            if (!g.canConvertToInt()) {
              throw new CommandRejectedException("Invalid GPU index " + g + "; use integers >= 0");
            }
            ids.add(g.asInt());
          }
          b.gpus(ids);
        }
        try (Team t = b.create()) {
          return t.info();
        }
      }
      case "teams.delete": {
        String id = text(p, "team");
        Team t = teams.remove(id);
        if (t != null) {
          t.close();
        }
        nemoSpawn.deleteTeam(id);
        return null;
      }
      case "events.subscribe": {
        Team t = team(text(p, "team"));
        subscriptions.computeIfAbsent(
            t.id(), id -> t.subscribe(e -> context.publish("team_event", teamEvent(e))));
        ObjectNode d = Wire.MAPPER.createObjectNode();
        d.put("team", t.id());
        return d;
      }
      case "teams.topology":
        return topology(team(text(p, "team")).topology());
      case "gpu.topology":
        return topology(io.nemospawn.topology.GpuTopology.detect());
      case "gpu.snapshot":
        return io.nemospawn.topology.GpuSnapshot.take(java.time.InstantSource.system());
      default:
        if (c.name().startsWith("hpo.")) {
          return hpo(c.name(), p);
        }
        return invoke(c, p);
    }
  }

  private static ObjectNode topology(io.nemospawn.topology.GpuTopology t) {
    ObjectNode d = Wire.MAPPER.valueToTree(t.toFormatMap());
    d.put("source", t.source());
    d.set("warnings", Wire.MAPPER.valueToTree(t.warnings()));
    return d;
  }

  /** The HPO commands: the studies of the data directory, opened per command and closed. */
  private @Nullable Object hpo(String name, ObjectNode p) {
    java.nio.file.Path dir = nemoSpawn.dataDir();
    if (name.equals("hpo.studies")) {
      java.nio.file.Path hpoDir = io.nemospawn.hpo.Hpo.studyDir(dir);
      List<String> names = new ArrayList<>();
      if (java.nio.file.Files.isDirectory(hpoDir)) {
        try (var files = java.nio.file.Files.list(hpoDir)) {
          files
              .map(f -> f.getFileName().toString())
              .filter(f -> f.endsWith(".journal") || f.endsWith(".db"))
              .map(f -> f.substring(0, f.lastIndexOf('.')))
              .sorted()
              .forEach(names::add);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException("Cannot list the studies in " + hpoDir, e);
        }
      }
      return names;
    }
    String study = text(p, "study");
    if (name.equals("hpo.create")) {
      JsonNode from = p.get("warm_start_from");
      io.nemospawn.hpo.HpoConfig config = io.nemospawn.hpo.HpoConfig.parse(
          text(p, "config"), "the config of hpo.create (study " + study + ")");
      try (io.nemospawn.hpo.Study s = io.nemospawn.hpo.Hpo.create(
          dir, study, config, from != null && from.isString() ? from.asString() : null)) {
        return studyView(s);
      }
    }
    try (io.nemospawn.hpo.Study s = io.nemospawn.hpo.Hpo.open(dir, study)) {
      switch (name) {
        case "hpo.info":
          return studyView(s);
        case "hpo.ask": {
          io.nemospawn.hpo.Trial t = s.ask();
          return new RemoteStudies.Asked(t.number(), t.params());
        }
        case "hpo.report": {
          boolean prune = s.report(integer(p, "trial"), integer(p, "step"), number(p, "value"));
          return Wire.MAPPER.createObjectNode().put("prune", prune);
        }
        case "hpo.should_prune":
          return Wire.MAPPER.createObjectNode().put("prune", s.shouldPrune(integer(p, "trial")));
        case "hpo.tell": {
          int trial = integer(p, "trial");
          JsonNode state = p.get("state");
          if (state != null && state.isString()) {
            io.nemospawn.hpo.TrialState st;
            try {
              st = io.nemospawn.hpo.TrialState.valueOf(state.asString());
            } catch (IllegalArgumentException e) {
              throw new CommandRejectedException("Invalid state '" + state.asString()
                  + "' for hpo.tell; use PRUNED or FAIL, or give value to complete the trial");
            }
            s.tell(trial, st);
          } else {
            s.tell(trial, number(p, "value"));
          }
          return RemoteStudies.TrialView.of(s.trial(trial));
        }
        case "hpo.trial":
          return RemoteStudies.TrialView.of(s.trial(integer(p, "trial")));
        case "hpo.trials":
          return s.trials().stream().map(RemoteStudies.TrialView::of).toList();
        case "hpo.best":
          return s.findBestTrial().map(RemoteStudies.TrialView::of).orElse(null);
        default:
          throw new CommandRejectedException("unknown HPO command " + name);
      }
    }
  }

  private static RemoteStudies.StudyView studyView(io.nemospawn.hpo.Study s) {
    return new RemoteStudies.StudyView(
        s.name(),
        s.direction().name(),
        s.maxTrials(),
        io.nemospawn.hpo.Hpo.config(s).map(io.nemospawn.hpo.HpoConfig::toJson).orElse(null),
        s.storage().toString());
  }

  private static int integer(ObjectNode p, String field) {
    JsonNode n = p.get(field);
    if (n == null || !n.canConvertToInt() || !n.isIntegralNumber()) {
      throw new CommandRejectedException(
          "The payload needs the integer field '" + field + "', was " + n);
    }
    return n.asInt();
  }

  private static double number(ObjectNode p, String field) {
    JsonNode n = p.get(field);
    if (n == null || !n.isNumber()) {
      throw new CommandRejectedException(
          "The payload needs the number field '" + field + "', was " + n);
    }
    return n.asDouble();
  }

  private static ObjectNode teamEvent(TeamEvent e) {
    ObjectNode d = Wire.MAPPER.createObjectNode();
    d.putNull("request_id");
    d.put("team_id", e.teamId());
    d.put("kind", e.getClass().getSimpleName());
    d.set("event", Wire.MAPPER.valueToTree(e));
    return d;
  }

  private @Nullable Object invoke(Command c, ObjectNode p) throws Exception {
    JsonNode argsNode = p.get("args");
    ArrayNode args;
    if (argsNode == null || argsNode.isNull()) {
      args = Wire.MAPPER.createArrayNode();
    } else if (argsNode instanceof ArrayNode a) {
      args = a;
    } else {
      throw new CommandRejectedException("args of " + c.name() + " must be a JSON array");
    }
    Method m = ApiMethods.find(c.name(), args.size());
    ApiMethods.Scope scope = ApiMethods.SCOPE_OF.get(c.name());
    if (m == null || scope == null) {
      throw new CommandRejectedException(c.name() + " takes no " + args.size()
          + " arguments; see docs/control-plane.md for its forms");
    }
    Team t = team(text(p, "team"));
    Type[] types = m.getGenericParameterTypes();
    Object[] values = new Object[types.length];
    for (int i = 0; i < types.length; i++) {
      try {
        values[i] = Wire.MAPPER.readValue(
            Wire.MAPPER.treeAsTokens(args.get(i)), Wire.MAPPER.constructType(types[i]));
      } catch (JacksonException e) {
        throw new CommandRejectedException("Argument " + (i + 1) + " of " + c.name() + " is not a "
            + types[i].getTypeName() + ": " + e.getOriginalMessage());
      }
      if (values[i] == null && m.getParameterTypes()[i].isPrimitive()) {
        throw new CommandRejectedException(
            "Argument " + (i + 1) + " of " + c.name() + " must not be null");
      }
    }
    return m.invoke(scope.from().apply(t), values);
  }

  private Team team(String idOrName) {
    Team cached = teams.get(idOrName);
    if (cached != null) {
      return cached;
    }
    Team t = nemoSpawn.team(idOrName);
    Team prev = teams.putIfAbsent(idOrName, t);
    if (prev != null) {
      t.close();
      return prev;
    }
    return t;
  }

  private static String text(ObjectNode p, String field) {
    JsonNode n = p.get(field);
    if (n == null || !n.isString() || n.asString().isEmpty()) {
      throw new CommandRejectedException("The payload needs the string field '" + field + "'");
    }
    return n.asString();
  }

  static CommandRejectedException rejection(Throwable e) {
    String kind;
    if (e instanceof NoSuchElementException) {
      kind = "not_found";
    } else if (e instanceof IllegalArgumentException) {
      kind = "invalid";
    } else if (e instanceof UnsupportedOperationException) {
      kind = "unsupported";
    } else if (e instanceof IllegalStateException) {
      kind = "state";
    } else if (e instanceof InterruptedException) {
      kind = "interrupted";
    } else {
      kind = "error";
    }
    ObjectNode d = Wire.MAPPER.createObjectNode();
    d.put("error", kind);
    d.put("exception", e.getClass().getSimpleName());
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new CommandRejectedException(msg, d);
  }

  /** Ends the event subscriptions and closes the teams it opened. */
  @Override
  public void close() {
    subscriptions.values().forEach(Subscription::close);
    subscriptions.clear();
    teams.values().forEach(Team::close);
    teams.clear();
  }
}
