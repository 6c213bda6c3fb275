package io.nemospawn.server;

import io.nemospawn.AuditLog;
import io.nemospawn.Config;
import io.nemospawn.Listing;
import io.nemospawn.NemoSpawn;
import io.nemospawn.Subscription;
import io.nemospawn.Team;
import io.nemospawn.TeamBuilder;
import io.nemospawn.TeamEvent;
import io.nemospawn.TeamInfo;
import io.nemospawn.TeamStatus;
import io.nemospawn.agent.Agents;
import io.nemospawn.agent.HealthReport;
import io.nemospawn.agent.Lifecycle;
import io.nemospawn.agent.Profiles;
import io.nemospawn.agent.Workspaces;
import io.nemospawn.artifact.Artifacts;
import io.nemospawn.inbox.Inbox;
import io.nemospawn.plan.Plans;
import io.nemospawn.task.Tasks;
import io.nemospawn.topology.GpuSnapshot;
import io.nemospawn.topology.GpuTopology;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The library API over {@code nemospawn.v1}: what {@link NemoSpawn#connect} returns. Data calls
 * of the allow-listed interfaces go over the wire; default methods run here on top of them; what
 * needs the server's machine (spawning agents, workspaces, configuration, profiles, the audit
 * log) throws {@link UnsupportedOperationException} naming the call. HPO and the server's GPUs:
 * {@link RemoteStudies}, {@link RemoteGpus}.
 */
final class RemoteNemoSpawn implements NemoSpawn {
  private final Client client;

  RemoteNemoSpawn(Client client) {
    this.client = client;
  }

  Client client() {
    return client;
  }

  /**
   * A topology from its wire form: FORMAT.md's team.json GPU part ({@code gpus}, {@code
   * topology}) plus {@code source} and {@code warnings}.
   */
  static GpuTopology topology(JsonNode v) {
    java.util.Map<String, java.util.Map<String, String>> matrix = Wire.MAPPER.readValue(
        Wire.MAPPER.treeAsTokens(v.path("topology")),
        new tools.jackson.core.type.TypeReference<
            java.util.Map<String, java.util.Map<String, String>>>() {});
    List<java.util.Map<String, Object>> gpus = Wire.MAPPER.readValue(
        Wire.MAPPER.treeAsTokens(v.path("gpus")),
        new tools.jackson.core.type.TypeReference<List<java.util.Map<String, Object>>>() {});
    GpuTopology.Builder b = GpuTopology.fromFormat(
            matrix == null ? java.util.Map.of() : matrix, gpus == null ? List.of() : gpus)
        .toBuilder()
        .source(v.path("source").asString("team.json"));
    for (JsonNode w : v.path("warnings")) {
      b.warning(w.asString(""));
    }
    return b.build();
  }

  static NemoSpawn connect(URI url, String key) {
    return new RemoteNemoSpawn(Client.connect(url, key));
  }

  private <T> T call(String command, ObjectNode payload, JavaType type) {
    JsonNode v = client.call(command, payload, Client.DEFAULT_TIMEOUT);
    return Wire.MAPPER.readValue(Wire.MAPPER.treeAsTokens(v), type);
  }

  private static ObjectNode payload(String field, String value) {
    return Wire.MAPPER.createObjectNode().put(field, value);
  }

  @Override
  public Path dataDir() {
    JsonNode d = client.call("server.info", Wire.MAPPER.createObjectNode(), Client.DEFAULT_TIMEOUT);
    return Path.of(d.path("data_dir").asString(""));
  }

  @Override
  public TeamBuilder newTeam(String name) {
    return new RemoteTeamBuilder(name);
  }

  @Override
  public Team team(String idOrName) {
    TeamInfo info =
        call("teams.get", payload("team", idOrName), Wire.MAPPER.constructType(TeamInfo.class));
    return new RemoteTeam(info);
  }

  @Override
  public Optional<Team> findTeam(String idOrName) {
    Optional<TeamInfo> info = call(
        "teams.find",
        payload("team", idOrName),
        Wire.MAPPER
            .getTypeFactory()
            .constructReferenceType(Optional.class, Wire.MAPPER.constructType(TeamInfo.class)));
    return info.map(RemoteTeam::new);
  }

  @Override
  public Listing<TeamInfo> teams() {
    return call(
        "teams.list",
        Wire.MAPPER.createObjectNode(),
        Wire.MAPPER.getTypeFactory().constructParametricType(Listing.class, TeamInfo.class));
  }

  @Override
  public void deleteTeam(String idOrName) {
    client.call("teams.delete", payload("team", idOrName), Client.DEFAULT_TIMEOUT);
  }

  @Override
  public Config config() {
    throw unsupported("config()");
  }

  @Override
  public Profiles profiles() {
    throw unsupported("profiles()");
  }

  @Override
  public AuditLog audit() {
    throw unsupported("audit()");
  }

  @Override
  public String user() {
    return client.helloData().path("principal").asString("remote");
  }

  @Override
  public void close() {
    client.close();
  }

  @Override
  public String toString() {
    return "NemoSpawn[remote " + client.url() + "]";
  }

  static UnsupportedOperationException unsupported(String what) {
    return new UnsupportedOperationException(what + " is not available over nemospawn.v1 (it"
        + " needs the server's machine); run it where the team's data directory is");
  }

  private final class RemoteTeamBuilder implements TeamBuilder {
    private final String name;
    private @Nullable String description;
    private @Nullable List<Integer> gpus;

    RemoteTeamBuilder(String name) {
      this.name = name;
    }

    @Override
    public TeamBuilder description(String d) {
      this.description = d;
      return this;
    }

    @Override
    public TeamBuilder gpus(List<Integer> gpuIds) {
      this.gpus = new ArrayList<>(gpuIds);
      return this;
    }

    @Override
    public TeamBuilder topology(GpuTopology topology) {
      throw unsupported("TeamBuilder.topology(..)");
    }

    @Override
    public Team create() {
      ObjectNode p = payload("name", name);
      if (description != null) {
        p.put("description", description);
      }
      if (gpus != null) {
        p.set("gpus", Wire.MAPPER.valueToTree(gpus));
      }
      TeamInfo info = call("teams.create", p, Wire.MAPPER.constructType(TeamInfo.class));
      return new RemoteTeam(info);
    }
  }

  final class RemoteTeam implements Team {
    private final TeamInfo info;

    RemoteTeam(TeamInfo info) {
      this.info = info;
    }

    private <T> T scope(Class<T> type) {
      return type.cast(Proxy.newProxyInstance(
          type.getClassLoader(), new Class<?>[] {type}, new ScopeHandler(type, info.id())));
    }

    private Object remote(String command, Object... args) {
      Method m = ApiMethods.find(command, args.length);
      if (m == null) {
        throw new IllegalStateException("no api method " + command);
      }
      Object v = invokeRemote(command, info.id(), m, args);
      if (v == null) {
        throw new IllegalStateException("The server answered " + command + " with null");
      }
      return v;
    }

    @Override
    public String id() {
      return info.id();
    }

    @Override
    public String name() {
      return info.name();
    }

    @Override
    public Path dir() {
      // a path on the server's machine, as dataDir() is
      return dataDir().resolve("teams").resolve(info.id());
    }

    @Override
    public TeamInfo info() {
      return (TeamInfo) remote("team.info");
    }

    @Override
    public GpuTopology topology() {
      return RemoteNemoSpawn.topology(
          client.call("teams.topology", payload("team", info.id()), Client.DEFAULT_TIMEOUT));
    }

    @Override
    public TeamStatus status() {
      return (TeamStatus) remote("team.status");
    }

    @Override
    public GpuSnapshot snapshotGpus() {
      return (GpuSnapshot) remote("team.snapshotGpus");
    }

    @Override
    public Agents agents() {
      return scope(Agents.class);
    }

    @Override
    public Tasks tasks() {
      return scope(Tasks.class);
    }

    @Override
    public Inbox inbox() {
      return scope(Inbox.class);
    }

    @Override
    public Plans plans() {
      return scope(Plans.class);
    }

    @Override
    public Lifecycle lifecycle() {
      return scope(Lifecycle.class);
    }

    @Override
    public Artifacts artifacts() {
      return scope(Artifacts.class);
    }

    @Override
    public io.nemospawn.Agent spawn(io.nemospawn.AgentSpec spec) {
      throw unsupported("Team.spawn(..)");
    }

    @Override
    public io.nemospawn.Agent agent(String idOrName) {
      throw unsupported("Team.agent(..)");
    }

    @Override
    public Workspaces workspaces() {
      throw unsupported("Team.workspaces()");
    }

    @Override
    public HealthReport checkHealth(Duration stuckAfter) {
      return (HealthReport) remote("team.checkHealth", stuckAfter);
    }

    @Override
    public Subscription subscribe(Consumer<TeamEvent> listener) {
      Consumer<JsonNode> l = n -> {
        if (!"team_event".equals(n.path("event").asString(""))) {
          return;
        }
        JsonNode d = n.path("data");
        if (!info.id().equals(d.path("team_id").asString(""))) {
          return;
        }
        String kind = d.path("kind").asString("");
        for (Class<?> c : TeamEvent.class.getPermittedSubclasses()) {
          if (c.getSimpleName().equals(kind)) {
            listener.accept(
                (TeamEvent) Wire.MAPPER.readValue(Wire.MAPPER.treeAsTokens(d.path("event")), c));
          }
        }
      };
      client.onEvent(l);
      client.call("events.subscribe", payload("team", info.id()), Client.DEFAULT_TIMEOUT);
      return () -> client.removeListener(l);
    }

    @Override
    public void close() {
      // the connection belongs to the NemoSpawn
    }

    @Override
    public String toString() {
      return "Team[" + info.id() + " remote " + client.url() + "]";
    }
  }

  private @Nullable Object invokeRemote(String command, String teamId, Method m, Object[] args) {
    ObjectNode p = payload("team", teamId);
    ArrayNode a = p.putArray("args");
    Duration timeout = Client.DEFAULT_TIMEOUT;
    for (Object arg : args) {
      a.add(Wire.MAPPER.valueToTree(arg));
      if (arg instanceof Duration d && m.getName().startsWith("await")
          || m.getName().equals("receive") && arg instanceof Duration) {
        timeout = timeout.plus((Duration) arg);
      }
    }
    JsonNode v = client.call(command, p, timeout);
    if (m.getReturnType() == void.class) {
      return null;
    }
    return Wire.MAPPER.readValue(
        Wire.MAPPER.treeAsTokens(v), Wire.MAPPER.constructType(m.getGenericReturnType()));
  }

  private final class ScopeHandler implements InvocationHandler {
    private final Class<?> type;
    private final String teamId;

    ScopeHandler(Class<?> type, String teamId) {
      this.type = type;
      this.teamId = teamId;
    }

    @Override
    public @Nullable Object invoke(Object proxy, Method method, Object @Nullable [] args)
        throws Throwable {
      Object[] a = args == null ? new Object[0] : args;
      if (method.getDeclaringClass() == Object.class) {
        switch (method.getName()) {
          case "toString":
            return type.getSimpleName() + "[team " + teamId + " remote " + client.url() + "]";
          case "hashCode":
            return System.identityHashCode(proxy);
          case "equals":
            return proxy == a[0];
          default:
            throw new UnsupportedOperationException(method.getName());
        }
      }
      if (method.isDefault()) {
        return InvocationHandler.invokeDefault(proxy, method, a);
      }
      String command = ApiMethods.commandOf(type, method);
      if (command == null) {
        throw unsupported(type.getSimpleName() + "." + method.getName() + "(..)");
      }
      return invokeRemote(command, teamId, method, a);
    }
  }
}
