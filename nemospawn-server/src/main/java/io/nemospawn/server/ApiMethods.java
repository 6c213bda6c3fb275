package io.nemospawn.server;

import io.nemospawn.Team;
import io.nemospawn.agent.Agents;
import io.nemospawn.agent.Lifecycle;
import io.nemospawn.artifact.Artifacts;
import io.nemospawn.inbox.Inbox;
import io.nemospawn.plan.Plans;
import io.nemospawn.task.Tasks;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The allow-list of library API methods that {@code nemospawn.v1} exposes, shared by the server
 * and the client: for each scope (an api interface reached from a {@link Team}) its abstract
 * methods whose parameters and results are plain data (records, enums, strings, numbers, lists,
 * maps, optionals of those). The command name is {@code scope.method}; overloads are told apart
 * by the number of arguments. Nothing outside this table is ever invoked, and arguments are only
 * ever read into the declared parameter types of these methods (no polymorphic typing).
 */
final class ApiMethods {
  /** A scope: an api interface and how to reach it from a team. */
  record Scope(String name, Class<?> type, Function<Team, Object> from) {}

  static final List<Scope> SCOPES = List.of(
      new Scope("team", Team.class, t -> t),
      new Scope("tasks", Tasks.class, Team::tasks),
      new Scope("inbox", Inbox.class, Team::inbox),
      new Scope("plans", Plans.class, Team::plans),
      new Scope("lifecycle", Lifecycle.class, Team::lifecycle),
      new Scope("artifacts", Artifacts.class, Team::artifacts),
      new Scope("agents", Agents.class, Team::agents));

  /** Team methods that are not data calls (they return live objects or take callbacks). */
  private static final Set<String> TEAM_EXCLUDED = Set.of(
      "agents",
      "tasks",
      "inbox",
      "plans",
      "lifecycle",
      "artifacts",
      "workspaces",
      "spawn",
      "agent",
      "subscribe",
      "close",
      "dir");

  /** command name → arity → method. */
  static final Map<String, Map<Integer, Method>> METHODS;

  /** command name → scope. */
  static final Map<String, Scope> SCOPE_OF;

  static {
    Map<String, Map<Integer, Method>> m = new TreeMap<>();
    Map<String, Scope> s = new TreeMap<>();
    for (Scope scope : SCOPES) {
      for (Method method : scope.type().getMethods()) {
        if (method.isDefault()
            || Modifier.isStatic(method.getModifiers())
            || method.getDeclaringClass() == Object.class
            || method.getDeclaringClass() == AutoCloseable.class
            || (scope.type() == Team.class && TEAM_EXCLUDED.contains(method.getName()))
            || !isData(method)) {
          continue;
        }
        String name = scope.name() + "." + method.getName();
        Map<Integer, Method> byArity = m.computeIfAbsent(name, k -> new LinkedHashMap<>());
        if (byArity.putIfAbsent(method.getParameterCount(), method) != null) {
          throw new IllegalStateException("nemospawn.v1 cannot tell apart two overloads of " + name
              + " with " + method.getParameterCount() + " arguments");
        }
        s.put(name, scope);
      }
    }
    METHODS = Collections.unmodifiableMap(m);
    SCOPE_OF = Collections.unmodifiableMap(s);
  }

  private ApiMethods() {}

  private static boolean isData(Method method) {
    for (Class<?> p : method.getParameterTypes()) {
      if (!isDataType(p)) {
        return false;
      }
    }
    Class<?> r = method.getReturnType();
    return r == void.class || isDataType(r);
  }

  private static boolean isDataType(Class<?> c) {
    if (c.isPrimitive()
        || c.isEnum()
        || c.isRecord()
        || c == String.class
        || c == io.nemospawn.artifact.ArtifactType.class) {
      return true;
    }
    String n = c.getName();
    return n.startsWith("java.util.")
            && (List.class.isAssignableFrom(c)
                || Map.class.isAssignableFrom(c)
                || c == java.util.Optional.class
                || c == java.util.Collection.class
                || c == java.util.OptionalDouble.class)
        || n.startsWith("java.time.")
        || c == java.nio.file.Path.class;
  }

  static @Nullable Method find(String command, int arity) {
    Map<Integer, Method> byArity = METHODS.get(command);
    return byArity == null ? null : byArity.get(arity);
  }

  static @Nullable String commandOf(Class<?> scopeType, Method method) {
    for (Scope s : SCOPES) {
      if (s.type() == scopeType) {
        String name = s.name() + "." + method.getName();
        Method found = find(name, method.getParameterCount());
        return method.equals(found) ? name : null;
      }
    }
    return null;
  }
}
